<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>BasemapDialog</name>
    <message>
        <source>Basemap</source>
        <translation>底图</translation>
    </message>
    <message>
        <source>None (vector streets of the city data)</source>
        <translation>无（使用城市数据的矢量街道）</translation>
    </message>
    <message>
        <source>MBTiles file</source>
        <translation>MBTiles 离线瓦片文件</translation>
    </message>
    <message>
        <source>Tile server URL</source>
        <translation>瓦片服务地址</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>WGS84 / CGCS2000</source>
        <translation>WGS84 / CGCS2000</translation>
    </message>
    <message>
        <source>GCJ-02 (AMap, Tencent)</source>
        <translation>GCJ-02（高德、腾讯）</translation>
    </message>
    <message>
        <source>BD-09 (Baidu)</source>
        <translation>BD-09（百度）</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Tile URL</source>
        <translation>瓦片地址</translation>
    </message>
    <message>
        <source>Coordinate system</source>
        <translation>坐标系</translation>
    </message>
    <message>
        <source>no file chosen</source>
        <translation>未选择文件</translation>
    </message>
    <message>
        <source>Cannot use this MBTiles file: %1</source>
        <translation>无法使用该 MBTiles 文件：%1</translation>
    </message>
    <message>
        <source>The URL must contain {z}, {x} and {y}.</source>
        <translation>地址中必须包含 {z}、{x} 和 {y}。</translation>
    </message>
</context>
<context>
    <name>GridCommandApp</name>
    <message>
        <source>Overlays shifted to %1</source>
        <translation>图层已偏移至 %1</translation>
    </message>
    <message>
        <source>none (vector streets)</source>
        <translation>无（矢量街道）</translation>
    </message>
    <message>
        <source>Basemap</source>
        <translation>底图</translation>
    </message>
    <message>
        <source>The basemap setting was saved; it takes effect at the next start.</source>
        <translation>底图设置已保存，下次启动时生效。</translation>
    </message>
</context>
<context>
    <name>LayerFeatureModel</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Layer</source>
        <translation>图层</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
</context>
<context>
    <name>LayersDock</name>
    <message>
        <source>Layers</source>
        <translation>图层</translation>
    </message>
    <message>
        <source>Search name, code or pinyin initials</source>
        <translation>搜索名称、编号或拼音首字母</translation>
    </message>
    <message numerus="yes">
        <source>All layers (%n)</source>
        <translation>
            <numerusform>全部图层（%n）</numerusform></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Grid Command — joint police and city-management grid command map</source>
        <translation>城警联勤网格指挥图</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Settings</source>
        <translation>设置(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Basemap…</source>
        <translation>底图(&amp;B)…</translation>
    </message>
    <message>
        <source>Live data interrupted: %1</source>
        <translation>实时数据中断：%1</translation>
    </message>
    <message>
        <source>Live data: connected</source>
        <translation>实时数据：已连接</translation>
    </message>
    <message>
        <source>Database: %1</source>
        <translation>数据库：%1</translation>
    </message>
    <message>
        <source>Basemap: %1</source>
        <translation>底图：%1</translation>
    </message>
    <message numerus="yes">
        <source>Offline: %n external request(s) blocked</source>
        <translation>
            <numerusform>离线：已拦截 %n 个外部请求</numerusform></translation>
    </message>
    <message>
        <source>Offline: no external requests</source>
        <translation>离线运行：无外部请求</translation>
    </message>
</context>
<context>
    <name>UnitCardDock</name>
    <message>
        <source>Unit card</source>
        <translation>单位信息</translation>
    </message>
    <message>
        <source>Click a unit on the map or in the units board.</source>
        <translation>在地图或力量列表中点击一个单位。</translation>
    </message>
    <message>
        <source>Follow</source>
        <translation>跟随</translation>
    </message>
    <message>
        <source>Trail</source>
        <translation>轨迹</translation>
    </message>
    <message>
        <source>Agency</source>
        <translation>力量构成</translation>
    </message>
    <message>
        <source>Force</source>
        <translation>力量类别</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>梯队</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Fix age</source>
        <translation>定位时长</translation>
    </message>
    <message>
        <source>Accuracy</source>
        <translation>定位精度</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>Battery</source>
        <translation>电量</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Kit</source>
        <translation>装备</translation>
    </message>
    <message>
        <source>Devices</source>
        <translation>设备</translation>
    </message>
</context>
<context>
    <name>UnitsBoardDock</name>
    <message>
        <source>Units board</source>
        <translation>力量列表</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>梯队</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>%1 of %2 units shown; %3 without a fresh fix</source>
        <translation>显示 %1 / %2 个单位；%3 个无新定位</translation>
    </message>
</context>
<context>
    <name>UnitsTableModel</name>
    <message>
        <source>Callsign</source>
        <translation>呼号</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>梯队</translation>
    </message>
    <message>
        <source>Agency</source>
        <translation>力量构成</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Fix age</source>
        <translation>定位时长</translation>
    </message>
    <message>
        <source>Speed km/h</source>
        <translation>速度 km/h</translation>
    </message>
</context>
<context>
    <name>labels</name>
    <message>
        <source>Grids</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Stations</source>
        <translation>站点</translation>
    </message>
    <message>
        <source>Must-visit points</source>
        <translation>必到点</translation>
    </message>
    <message>
        <source>Must-patrol lines</source>
        <translation>必巡线</translation>
    </message>
    <message>
        <source>Key targets</source>
        <translation>重要目标</translation>
    </message>
    <message>
        <source>Streets</source>
        <translation>街道</translation>
    </message>
    <message>
        <source>Joint service station</source>
        <translation>联勤服务站</translation>
    </message>
    <message>
        <source>SWAT post</source>
        <translation>特警驻守点</translation>
    </message>
    <message>
        <source>Police station</source>
        <translation>派出所</translation>
    </message>
    <message>
        <source>Traffic police post</source>
        <translation>交警岗</translation>
    </message>
    <message>
        <source>Party and government centre</source>
        <translation>党政中心区</translation>
    </message>
    <message>
        <source>Business district</source>
        <translation>繁华商圈</translation>
    </message>
    <message>
        <source>School</source>
        <translation>学校</translation>
    </message>
    <message>
        <source>Hospital</source>
        <translation>医院</translation>
    </message>
    <message>
        <source>Night market</source>
        <translation>夜市</translation>
    </message>
    <message>
        <source>Complex public order area</source>
        <translation>治安复杂地区</translation>
    </message>
    <message>
        <source>Crowded place</source>
        <translation>人员密集场所</translation>
    </message>
    <message>
        <source>Main road</source>
        <translation>主干道</translation>
    </message>
    <message>
        <source>Secondary road</source>
        <translation>次干道</translation>
    </message>
    <message>
        <source>Side street</source>
        <translation>支路</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>编号</translation>
    </message>
    <message>
        <source>Grid commander</source>
        <translation>网格指挥长</translation>
    </message>
    <message>
        <source>Political commissar</source>
        <translation>政委</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Radius (m)</source>
        <translation>半径（米）</translation>
    </message>
    <message>
        <source>Visits per shift</source>
        <translation>每班必到次数</translation>
    </message>
    <message>
        <source>Corridor width (m)</source>
        <translation>巡线宽度（米）</translation>
    </message>
    <message>
        <source>Passes per shift</source>
        <translation>每班巡查次数</translation>
    </message>
    <message>
        <source>Time windows</source>
        <translation>时段</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>全天</translation>
    </message>
    <message>
        <source>Legend</source>
        <translation>图例</translation>
    </message>
    <message>
        <source>Police</source>
        <translation>公安</translation>
    </message>
    <message>
        <source>City management</source>
        <translation>城管</translation>
    </message>
    <message>
        <source>Joint</source>
        <translation>联勤</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>在岗可派</translation>
    </message>
    <message>
        <source>Dispatched</source>
        <translation>已派警</translation>
    </message>
    <message>
        <source>En route</source>
        <translation>出警中</translation>
    </message>
    <message>
        <source>On scene</source>
        <translation>已到场</translation>
    </message>
    <message>
        <source>Off duty</source>
        <translation>休整</translation>
    </message>
    <message>
        <source>Joint patrol group</source>
        <translation>联勤巡组</translation>
    </message>
    <message>
        <source>SWAT team</source>
        <translation>特警小组</translation>
    </message>
    <message>
        <source>Station police</source>
        <translation>派出所警力</translation>
    </message>
    <message>
        <source>Traffic police</source>
        <translation>交警</translation>
    </message>
    <message>
        <source>Grid joint forces</source>
        <translation>网格联勤力量</translation>
    </message>
    <message>
        <source>Youth commando</source>
        <translation>青年突击队</translation>
    </message>
    <message>
        <source>City-management emergency team</source>
        <translation>城管综合应急队</translation>
    </message>
    <message>
        <source>Tier 1</source>
        <translation>第一梯队</translation>
    </message>
    <message>
        <source>Tier 2</source>
        <translation>第二梯队</translation>
    </message>
    <message>
        <source>Tier 3</source>
        <translation>第三梯队</translation>
    </message>
    <message>
        <source>no fix</source>
        <translation>无定位</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 小时</translation>
    </message>
</context>
</TS>