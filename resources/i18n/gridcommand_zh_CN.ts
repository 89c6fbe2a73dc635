<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
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
    <name>DispatchDock</name>
    <message>
        <source>Nearest-unit dispatch</source>
        <translation>就近派警</translation>
    </message>
    <message>
        <source>Select an incident to see which units can reach it.</source>
        <translation>选择一个警情，查看哪些力量能够到达。</translation>
    </message>
    <message>
        <source>Road travel time</source>
        <translation>道路通行时间</translation>
    </message>
    <message>
        <source>Straight line (estimate)</source>
        <translation>直线距离（估算）</translation>
    </message>
    <message>
        <source>Dispatch selected units</source>
        <translation>派出所选力量</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>方式</translation>
    </message>
    <message>
        <source>%1 min: %2</source>
        <translation>%1分钟圈：%2</translation>
    </message>
    <message>
        <source>(straight-line estimate × detour factor)</source>
        <translation>（直线估算 × 绕行系数）</translation>
    </message>
    <message>
        <source>(road travel time incl. turn-out)</source>
        <translation>（道路通行时间，含出动准备）</translation>
    </message>
    <message>
        <source>Units within</source>
        <translation>时间圈内力量</translation>
    </message>
</context>
<context>
    <name>EscalationDock</name>
    <message>
        <source>Tiered reinforcement</source>
        <translation>梯次增援</translation>
    </message>
    <message>
        <source>Select an incident.</source>
        <translation>请选择一个警情。</translation>
    </message>
    <message>
        <source>Tier / force</source>
        <translation>梯队 / 力量</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>Available</source>
        <translation>在岗可派</translation>
    </message>
    <message>
        <source>≤1 min</source>
        <translation>≤1分钟</translation>
    </message>
    <message>
        <source>≤3 min</source>
        <translation>≤3分钟</translation>
    </message>
    <message>
        <source>≤5 min</source>
        <translation>≤5分钟</translation>
    </message>
    <message>
        <source>Suggestions</source>
        <translation>系统建议</translation>
    </message>
    <message>
        <source>No tier-1 unit within 5 minutes</source>
        <translation>5分钟内无第一梯队力量可到达</translation>
    </message>
    <message>
        <source>Level raised</source>
        <translation>警情等级提升</translation>
    </message>
    <message>
        <source>A unit on scene requests support</source>
        <translation>现场力量请求支援</translation>
    </message>
    <message>
        <source>On-scene handling overruns</source>
        <translation>现场处置超时</translation>
    </message>
    <message>
        <source>%1 · currently %2</source>
        <translation>%1 · 当前 %2</translation>
    </message>
    <message>
        <source>No rule suggests escalating.</source>
        <translation>暂无增援建议。</translation>
    </message>
    <message>
        <source>Order %1 in…</source>
        <translation>启动%1…</translation>
    </message>
    <message>
        <source>Stand down to %1…</source>
        <translation>回退至%1…</translation>
    </message>
    <message>
        <source>Order %1 in</source>
        <translation>启动%1</translation>
    </message>
    <message>
        <source>Stand down to %1</source>
        <translation>回退至%1</translation>
    </message>
    <message>
        <source>Incident %1: reason for this order (it is recorded with your name and the time):</source>
        <translation>警情 %1：请填写下达此指令的原因（将与您的姓名和时间一并记录）：</translation>
    </message>
    <message>
        <source>An order needs a reason; nothing was recorded.</source>
        <translation>下达指令必须填写原因；未作记录。</translation>
    </message>
</context>
<context>
    <name>FindingForm</name>
    <message>
        <source>Record patrol finding</source>
        <translation>记录巡查发现</translation>
    </message>
    <message>
        <source>Record finding</source>
        <translation>记录发现</translation>
    </message>
    <message>
        <source>Add photos…</source>
        <translation>添加照片…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Handled on the spot (立查立纠)</source>
        <translation>立查立纠</translation>
    </message>
    <message>
        <source>Handed over on a work order (移交)</source>
        <translation>移交（生成交办单）</translation>
    </message>
    <message>
        <source>Default: the category and the description</source>
        <translation>默认：类别加问题描述</translation>
    </message>
    <message>
        <source>Work order</source>
        <translation>交办单</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>承办部门</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>发现类别</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>处置结果</translation>
    </message>
    <message>
        <source>Found at</source>
        <translation>发现时间</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>警情</translation>
    </message>
    <message>
        <source>Photo %1 (%2)</source>
        <translation>照片 %1（%2）</translation>
    </message>
    <message>
        <source>From incident %1</source>
        <translation>来自警情 %1</translation>
    </message>
    <message>
        <source>outside every grid</source>
        <translation>不在任何网格内</translation>
    </message>
    <message>
        <source>Finding %1 recorded (grid %2), handed over on work order %3.</source>
        <translation>巡查发现 %1 已记录（网格 %2），已移交，交办单 %3。</translation>
    </message>
    <message>
        <source>Finding %1 recorded (grid %2), handled on the spot.</source>
        <translation>巡查发现 %1 已记录（网格 %2），已立查立纠。</translation>
    </message>
    <message>
        <source>Photos of the finding</source>
        <translation>巡查发现的照片</translation>
    </message>
    <message>
        <source>Images (%1);;All files (*)</source>
        <translation>图片 (%1);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Choose a location first: pick it on the map or type coordinates.</source>
        <translation>请先选择位置：在地图上点选或输入坐标。</translation>
    </message>
    <message>
        <source>Choose a category.</source>
        <translation>请选择发现类别。</translation>
    </message>
</context>
<context>
    <name>FindingsList</name>
    <message>
        <source>Recent findings: %1 · handled on the spot %2 · handed over %3</source>
        <translation>近期巡查发现：%1 · 立查立纠 %2 · 移交 %3</translation>
    </message>
</context>
<context>
    <name>FindingsTableModel</name>
    <message>
        <source>Found</source>
        <translation>发现时间</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>处置结果</translation>
    </message>
    <message>
        <source>Work order</source>
        <translation>交办单</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <source>outside every grid</source>
        <translation>不在任何网格内</translation>
    </message>
</context>
<context>
    <name>GridCommandApp</name>
    <message>
        <source>Not logged in</source>
        <translation>未登录</translation>
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
    <name>IncidentController</name>
    <message>
        <source>%1 · units that can reach it, fastest first</source>
        <translation>%1 · 可到达力量（按到达时间排序）</translation>
    </message>
    <message>
        <source>Select an open incident first.</source>
        <translation>请先选择一个未结警情。</translation>
    </message>
    <message>
        <source>Not possible</source>
        <translation>无法执行</translation>
    </message>
</context>
<context>
    <name>IncidentTicker</name>
    <message>
        <source>Incidents, newest first</source>
        <translation>最新警情</translation>
    </message>
</context>
<context>
    <name>IncidentsDock</name>
    <message>
        <source>Incidents</source>
        <translation>警情</translation>
    </message>
    <message>
        <source>Support requested from scene…</source>
        <translation>现场请求支援…</translation>
    </message>
    <message>
        <source>Record patrol finding…</source>
        <translation>记录巡查发现…</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>All open</source>
        <translation>全部未结</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
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
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>报警人</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>警情描述</translation>
    </message>
    <message>
        <source>Possible duplicate of</source>
        <translation>疑似重复警情</translation>
    </message>
    <message>
        <source>To sign-off</source>
        <translation>签收用时</translation>
    </message>
    <message>
        <source>To turn-out</source>
        <translation>出警用时</translation>
    </message>
    <message>
        <source>To arrival</source>
        <translation>到场用时</translation>
    </message>
    <message>
        <source>met its recommended ring</source>
        <translation>达到推荐时间圈</translation>
    </message>
    <message>
        <source>missed its recommended ring</source>
        <translation>未达推荐时间圈</translation>
    </message>
    <message>
        <source>release</source>
        <translation>解除</translation>
    </message>
    <message>
        <source>released</source>
        <translation>已解除</translation>
    </message>
    <message>
        <source>Response</source>
        <translation>响应</translation>
    </message>
    <message>
        <source>Units</source>
        <translation>出警单位</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <source>Support requested</source>
        <translation>请求支援</translation>
    </message>
    <message>
        <source>What support does the unit on scene ask for?</source>
        <translation>现场力量请求什么支援？</translation>
    </message>
</context>
<context>
    <name>IncidentsTableModel</name>
    <message>
        <source>Number</source>
        <translation>警情编号</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>警情类别</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>接警时间</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>梯队</translation>
    </message>
</context>
<context>
    <name>IntakeDock</name>
    <message>
        <source>Incident intake</source>
        <translation>接警登记</translation>
    </message>
    <message>
        <source>Pick on map</source>
        <translation>在地图上点选位置</translation>
    </message>
    <message>
        <source>lon, lat  e.g. 112.0812, 32.6845</source>
        <translation>经度, 纬度  例如 112.0812, 32.6845</translation>
    </message>
    <message>
        <source>GCJ-02 (phone maps)</source>
        <translation>GCJ-02（手机地图）</translation>
    </message>
    <message>
        <source>Search a place, street, must-visit point (汉字 or pinyin initials)</source>
        <translation>搜索地点、街道、必到点（汉字或拼音首字母）</translation>
    </message>
    <message>
        <source>No location yet</source>
        <translation>尚未选择位置</translation>
    </message>
    <message>
        <source>Create incident</source>
        <translation>登记警情</translation>
    </message>
    <message>
        <source>Coordinates</source>
        <translation>坐标</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>警情类别</translation>
    </message>
    <message>
        <source>Level</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Caller</source>
        <translation>报警人</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>警情描述</translation>
    </message>
    <message>
        <source>110</source>
        <translation>110</translation>
    </message>
    <message>
        <source>City management</source>
        <translation>城管</translation>
    </message>
    <message>
        <source>outside every grid</source>
        <translation>不在任何网格内</translation>
    </message>
    <message>
        <source>Location: %1 (WGS84) · grid %2</source>
        <translation>位置：%1（WGS84）· 网格 %2</translation>
    </message>
    <message>
        <source>Possible duplicate of open incident(s): %1</source>
        <translation>可能与未结警情重复：%1</translation>
    </message>
    <message>
        <source>Choose a location first: click the map, type coordinates or search a place.</source>
        <translation>请先选择位置：点击地图、输入坐标或搜索地点。</translation>
    </message>
    <message>
        <source>Choose a category.</source>
        <translation>请选择警情类别。</translation>
    </message>
</context>
<context>
    <name>KpiStrip</name>
    <message>
        <source>Units on duty</source>
        <translation>在岗力量</translation>
    </message>
    <message>
        <source>Available now</source>
        <translation>当前可用</translation>
    </message>
    <message>
        <source>Today: open / closed</source>
        <translation>今日警情 未结/办结</translation>
    </message>
    <message>
        <source>Median response today</source>
        <translation>今日到场用时中位数</translation>
    </message>
    <message>
        <source>Arrived within 1 / 3 / 5 min</source>
        <translation>1/3/5分钟内到场率</translation>
    </message>
    <message>
        <source>Joint patrols today</source>
        <translation>今日城警合巡</translation>
    </message>
    <message>
        <source>Overdue work orders</source>
        <translation>超期工单</translation>
    </message>
    <message>
        <source>%1 arrivals</source>
        <translation>到场 %1 起</translation>
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
            <numerusform>全部图层（%n）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LocationField</name>
    <message>
        <source>Pick on map</source>
        <translation>在地图上点选</translation>
    </message>
    <message>
        <source>lon, lat  e.g. 112.0812, 32.6845</source>
        <translation>经度, 纬度  例如 112.0812, 32.6845</translation>
    </message>
    <message>
        <source>GCJ-02 (phone maps)</source>
        <translation>GCJ-02（手机地图）</translation>
    </message>
    <message>
        <source>No location yet</source>
        <translation>尚未选择位置</translation>
    </message>
    <message>
        <source>Location: %1 (WGS84) · outside every grid (allowed)</source>
        <translation>位置：%1（WGS84）· 不在任何网格内（允许）</translation>
    </message>
    <message>
        <source>Location: %1 (WGS84) · grid %2</source>
        <translation>位置：%1（WGS84）· 网格 %2</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Grid Command — log in</source>
        <translation>城警联勤网格指挥图 — 登录</translation>
    </message>
    <message>
        <source>Locked after a time without input. Log in to continue.</source>
        <translation>长时间无操作，已锁定。请登录后继续。</translation>
    </message>
    <message>
        <source>Log in with your user name and password.</source>
        <translation>请输入用户名和密码登录。</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
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
        <source>&amp;Replay…</source>
        <translation>回放(&amp;R)…</translation>
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
        <source>&amp;Map</source>
        <translation>地图(&amp;M)</translation>
    </message>
    <message>
        <source>Record patrol finding here…</source>
        <translation>在此记录巡查发现…</translation>
    </message>
    <message>
        <source>Opens the finding form; the next click on the map is its location</source>
        <translation>打开巡查发现表单；下一次在地图上点击的位置即为发现地点</translation>
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
            <numerusform>离线：已拦截 %n 个外部请求</numerusform>
        </translation>
    </message>
    <message>
        <source>Offline: no external requests</source>
        <translation>离线运行：无外部请求</translation>
    </message>
</context>
<context>
    <name>MapDataController</name>
    <message>
        <source>Overlays shifted to %1</source>
        <translation>图层已偏移至 %1</translation>
    </message>
</context>
<context>
    <name>OrderForm</name>
    <message>
        <source>New work order</source>
        <translation>新建交办单</translation>
    </message>
    <message>
        <source>Issue work order</source>
        <translation>下发交办单</translation>
    </message>
    <message>
        <source>Back-enter a paper order issued at</source>
        <translation>补录纸质交办单，交办时间</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>承办部门</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>关联警情</translation>
    </message>
    <message>
        <source>Issued at</source>
        <translation>交办时间</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Work order %1 issued to %2.</source>
        <translation>交办单 %1 已交办给%2。</translation>
    </message>
    <message>
        <source>Its location is outside every grid.</source>
        <translation>其位置不在任何网格内。</translation>
    </message>
</context>
<context>
    <name>OutageBanner</name>
    <message>
        <source>Database unreachable since %1 — changes are refused until it is back; live data is paused</source>
        <translation>数据库自 %1 起无法连接——恢复前不接受任何修改；实时数据已暂停</translation>
    </message>
    <message>
        <source>; reconnecting in %1</source>
        <translation>；%1后重连</translation>
    </message>
</context>
<context>
    <name>OutcomeDialog</name>
    <message>
        <source>Close incident %1</source>
        <translation>办结警情 %1</translation>
    </message>
    <message>
        <source> people</source>
        <translation> 人</translation>
    </message>
    <message>
        <source>Dispute mediated</source>
        <translation>调解纠纷</translation>
    </message>
    <message>
        <source>Traffic accident handled on scene (simple procedure)</source>
        <translation>现场简易程序处置交通事故</translation>
    </message>
    <message>
        <source>What was done</source>
        <translation>处置情况</translation>
    </message>
    <message>
        <source>Nearest-unit dispatch to the grid&apos;s own patrol group is derived from the dispatches; it is not entered here.</source>
        <translation>是否由本网格巡组就近处警，依派警记录自动判定，无需填写。</translation>
    </message>
    <message>
        <source>People rescued</source>
        <translation>救助群众</translation>
    </message>
    <message>
        <source>Property recovered</source>
        <translation>帮助找回财物（元）</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Close incident</source>
        <translation>办结</translation>
    </message>
</context>
<context>
    <name>PatrolDock</name>
    <message>
        <source>Patrol duty</source>
        <translation>巡防</translation>
    </message>
    <message>
        <source>No patrol status loaded.</source>
        <translation>尚未载入巡防情况。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Done / due</source>
        <translation>完成/应完成</translation>
    </message>
    <message>
        <source>Times</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Shift</source>
        <translation>班次</translation>
    </message>
    <message>
        <source>✓ visited</source>
        <translation>✓ 已到</translation>
    </message>
    <message>
        <source>due</source>
        <translation>待到</translation>
    </message>
    <message>
        <source>✗ missed</source>
        <translation>✗ 未到</translation>
    </message>
    <message>
        <source>Must-visit points</source>
        <translation>必到点</translation>
    </message>
    <message>
        <source>Must-patrol lines</source>
        <translation>必巡线</translation>
    </message>
    <message numerus="yes">
        <source>Joint patrols: %n</source>
        <translation>
            <numerusform>城警合巡：%n 次</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1分钟</translation>
    </message>
    <message>
        <source>On duty, not seen in the grid</source>
        <translation>在岗但未在网格内出现</translation>
    </message>
    <message>
        <source>no fix this shift</source>
        <translation>本班次无定位</translation>
    </message>
    <message>
        <source>%1 %2 %3–%4: points %5/%6 visited, %7 missed; lines %8% covered on average; %9 joint patrols; %10 units not seen</source>
        <translation>%1 %2 %3–%4：必到点已到 %5/%6，未到 %7；必巡线平均覆盖 %8%；城警合巡 %9 次；未见单位 %10 个</translation>
    </message>
</context>
<context>
    <name>PlaceEditController</name>
    <message>
        <source>Nothing changed.</source>
        <translation>没有改动。</translation>
    </message>
    <message>
        <source>Saved: %1 created.</source>
        <translation>已保存：新建 %1。</translation>
    </message>
    <message>
        <source>Saved: a new version of %1 is in force.</source>
        <translation>已保存：%1 的新版本已生效。</translation>
    </message>
    <message>
        <source>%1 is out of force; its history is kept.</source>
        <translation>%1 已停用，历史版本保留。</translation>
    </message>
</context>
<context>
    <name>PlaceRulesDock</name>
    <message>
        <source>Edit patrol places</source>
        <translation>点线编辑</translation>
    </message>
    <message>
        <source>Point</source>
        <translation>画点</translation>
    </message>
    <message>
        <source>Draw must-visit points: click the map</source>
        <translation>画必到点：在地图上单击</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>画线</translation>
    </message>
    <message>
        <source>Draw a must-patrol line: click its vertices, click the last one again to finish</source>
        <translation>画必巡线：依次单击各折点，再次单击最后一点结束</translation>
    </message>
    <message>
        <source>Move</source>
        <translation>移动</translation>
    </message>
    <message>
        <source>Drag points and lines to a new place</source>
        <translation>把点或线拖到新位置</translation>
    </message>
    <message>
        <source>Vertices</source>
        <translation>改折点</translation>
    </message>
    <message>
        <source>Drag a line&apos;s vertices; drag a middle marker to add one</source>
        <translation>拖动线的折点；拖动中间的小点可加折点</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Click a point or line to take it out of force (asks first)</source>
        <translation>单击点或线将其停用（先确认）</translation>
    </message>
    <message>
        <source>Choose a tool to edit on the map, or a place below to set its rules.</source>
        <translation>选一个工具在地图上编辑，或在下面选一个点、线设置规则。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>编号</translation>
    </message>
    <message>
        <source> m</source>
        <translation> 米</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>e.g. 19:00-23:00*2, 07:00-09:00</source>
        <translation>如 19:00-23:00*2, 07:00-09:00</translation>
    </message>
    <message>
        <source>Radius</source>
        <translation>半径</translation>
    </message>
    <message>
        <source>Minimum dwell</source>
        <translation>最短停留</translation>
    </message>
    <message>
        <source>Visits per shift</source>
        <translation>每班必到次数</translation>
    </message>
    <message>
        <source>Buffer</source>
        <translation>缓冲宽度</translation>
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
        <source>Save as new version</source>
        <translation>保存为新版本</translation>
    </message>
    <message>
        <source>Versions</source>
        <translation>历史版本</translation>
    </message>
    <message>
        <source>You may view these rules; editing them needs the edit_duty permission.</source>
        <translation>可查看这些规则；编辑需要 edit_duty 权限。</translation>
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
        <source>Click the map to add a must-visit point.</source>
        <translation>在地图上单击，添加必到点。</translation>
    </message>
    <message>
        <source>Click the vertices of the new line; click the last one again to finish.</source>
        <translation>依次单击新线的折点；再次单击最后一点结束。</translation>
    </message>
    <message>
        <source>Drag a point or a line; it is saved when you let go.</source>
        <translation>拖动点或线，松开即保存。</translation>
    </message>
    <message>
        <source>Click a line, then drag its vertices; it is saved when you let go.</source>
        <translation>单击一条线后拖动其折点，松开即保存。</translation>
    </message>
    <message>
        <source>Click the point or line to delete.</source>
        <translation>单击要删除的点或线。</translation>
    </message>
    <message>
        <source>in force</source>
        <translation>现行</translation>
    </message>
    <message>
        <source>New must-visit point %1</source>
        <translation>新必到点 %1</translation>
    </message>
    <message>
        <source>New must-patrol line %1</source>
        <translation>新必巡线 %1</translation>
    </message>
    <message>
        <source>Delete place</source>
        <translation>删除点线</translation>
    </message>
    <message>
        <source>Take “%1” out of force from now on? Its history is kept.</source>
        <translation>从现在起停用“%1”？历史版本保留。</translation>
    </message>
</context>
<context>
    <name>RecommendationModel</name>
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
        <source>ETA</source>
        <translation>预计到达</translation>
    </message>
    <message>
        <source>Ring</source>
        <translation>时间圈</translation>
    </message>
    <message>
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1分钟</translation>
    </message>
    <message>
        <source>beyond 5 min</source>
        <translation>5分钟以上</translation>
    </message>
</context>
<context>
    <name>RecordForm</name>
    <message>
        <source>Location</source>
        <translation>位置</translation>
    </message>
</context>
<context>
    <name>ReplayApp</name>
    <message>
        <source>Replay</source>
        <translation>回放</translation>
    </message>
    <message>
        <source>The database is not open yet; try again in a moment.</source>
        <translation>数据库尚未打开，请稍后再试。</translation>
    </message>
</context>
<context>
    <name>ReplayController</name>
    <message>
        <source>Your role may not store what-ifs (%1)</source>
        <translation>您的角色不能保存推演结果（%1）</translation>
    </message>
    <message>
        <source>%1 · %2 received: which units do you send?</source>
        <translation>%1 · %2 已接警：您派哪些力量？</translation>
    </message>
</context>
<context>
    <name>ReplayDialog</name>
    <message>
        <source>Replay</source>
        <translation>回放</translation>
    </message>
    <message>
        <source>A time window</source>
        <translation>按时间段</translation>
    </message>
    <message>
        <source>The window around one incident</source>
        <translation>按警情（前后时段）</translation>
    </message>
    <message>
        <source>incident number, e.g. JQ20261130-0001</source>
        <translation>警情编号，如 JQ20261130-0001</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>警情</translation>
    </message>
    <message>
        <source>A replay is read-only and runs beside the live map.</source>
        <translation>回放为只读，与实时地图并行运行。</translation>
    </message>
    <message>
        <source>To: must be after From.</source>
        <translation>到：须晚于“从”。</translation>
    </message>
    <message>
        <source>From: give a start and an end.</source>
        <translation>从：请给出开始和结束时间。</translation>
    </message>
    <message>
        <source>Incident: give an incident number.</source>
        <translation>警情：请给出警情编号。</translation>
    </message>
</context>
<context>
    <name>ReplayWindow</name>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Replay · read-only</source>
        <translation>回放 · 只读</translation>
    </message>
    <message>
        <source>Replay %1 – %2 — Grid Command</source>
        <translation>回放 %1 – %2 — 城警联勤网格指挥图</translation>
    </message>
    <message>
        <source>Loading history: %1 fixes</source>
        <translation>正在加载历史：%1 个定位点</translation>
    </message>
    <message>
        <source>%1 fixes, %2 incidents in the window</source>
        <translation>时段内 %1 个定位点、%2 起警情</translation>
    </message>
</context>
<context>
    <name>StatisticsDock</name>
    <message>
        <source>Statistics</source>
        <translation>统计研判</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日</translation>
    </message>
    <message>
        <source>Week</source>
        <translation>周</translation>
    </message>
    <message>
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>Whole city</source>
        <translation>全市</translation>
    </message>
    <message>
        <source>No statistics loaded.</source>
        <translation>尚未载入统计。</translation>
    </message>
    <message>
        <source>Export PNG…</source>
        <translation>导出 PNG…</translation>
    </message>
    <message>
        <source>Export chart</source>
        <translation>导出图表</translation>
    </message>
</context>
<context>
    <name>TimelineBar</name>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>◀ Previous event</source>
        <translation>◀ 上一事件</translation>
    </message>
    <message>
        <source>Next event ▶</source>
        <translation>下一事件 ▶</translation>
    </message>
    <message>
        <source>HH:MM[:SS] or YYYY-MM-DD HH:MM</source>
        <translation>HH:MM[:SS] 或 YYYY-MM-DD HH:MM</translation>
    </message>
    <message>
        <source>Jump</source>
        <translation>跳转</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>Window %1 – %2 · %3 incidents received · %4 events</source>
        <translation>时段 %1 – %2 · 接警 %3 起 · 事件 %4 个</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>接警</translation>
    </message>
    <message>
        <source>Dispatched</source>
        <translation>派警</translation>
    </message>
    <message>
        <source>Arrived</source>
        <translation>到场</translation>
    </message>
    <message>
        <source>Escalation</source>
        <translation>升级</translation>
    </message>
    <message>
        <source>Patrol check-in</source>
        <translation>巡逻打卡</translation>
    </message>
    <message>
        <source>Time: not understood (%1)</source>
        <translation>时间：无法识别（%1）</translation>
    </message>
    <message>
        <source>Time: outside the replay window</source>
        <translation>时间：超出回放时段</translation>
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
        <source>Send to selected incident</source>
        <translation>派往当前警情</translation>
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
    <name>WallApp</name>
    <message>
        <source>No data yet</source>
        <translation>尚无数据</translation>
    </message>
</context>
<context>
    <name>WallBanner</name>
    <message>
        <source>Database unreachable since %1 — showing the last data read</source>
        <translation>数据库自 %1 起连接中断——显示最后读取的数据</translation>
    </message>
    <message>
        <source>; reconnecting in %1</source>
        <translation>；%1后重连</translation>
    </message>
</context>
<context>
    <name>WallClock</name>
    <message>
        <source>dddd, d MMMM yyyy</source>
        <translation>yyyy年M月d日 dddd</translation>
    </message>
</context>
<context>
    <name>WallController</name>
    <message>
        <source>Data as of %1 (%2 ago)</source>
        <translation>数据截至 %1（%2前）</translation>
    </message>
</context>
<context>
    <name>WallWindow</name>
    <message>
        <source>Grid Command — command hall</source>
        <translation>城警联勤网格指挥图 — 指挥大厅</translation>
    </message>
    <message>
        <source>Joint police and city-management grid command</source>
        <translation>城警联勤网格指挥图</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
</context>
<context>
    <name>WhatIfDock</name>
    <message>
        <source>What-if at intake</source>
        <translation>接警推演</translation>
    </message>
    <message>
        <source>Pause at each incident&apos;s intake</source>
        <translation>每起警情接警时暂停</translation>
    </message>
    <message>
        <source>Play the replay: it pauses when an incident is received.</source>
        <translation>播放回放：接到警情时自动暂停。</translation>
    </message>
    <message>
        <source>Score my choice</source>
        <translation>评分</translation>
    </message>
    <message>
        <source>Save to the drill report</source>
        <translation>存入演练报告</translation>
    </message>
    <message>
        <source>%1-minute ring</source>
        <translation>%1分钟圈</translation>
    </message>
    <message>
        <source>beyond the rings</source>
        <translation>圈外</translation>
    </message>
    <message>
        <source>ETA %1</source>
        <translation>预计 %1</translation>
    </message>
    <message>
        <source>No unit could have been sent at that moment.</source>
        <translation>当时没有可派的力量。</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Best ETA</source>
        <translation>最快到达</translation>
    </message>
    <message>
        <source>Your ETA</source>
        <translation>您的到达</translation>
    </message>
    <message>
        <source>Difference</source>
        <translation>相差</translation>
    </message>
    <message>
        <source>Ring met (5 min)</source>
        <translation>5分钟内到达</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>梯队</translation>
    </message>
    <message>
        <source>Tier appropriate</source>
        <translation>梯队得当</translation>
    </message>
    <message>
        <source>Actually sent</source>
        <translation>实际派出</translation>
    </message>
    <message>
        <source>Could not have gone</source>
        <translation>当时不可派</translation>
    </message>
    <message>
        <source>Score %1</source>
        <translation>得分 %1</translation>
    </message>
    <message>
        <source>Saved (drill result %1).</source>
        <translation>已保存（演练结果 %1）。</translation>
    </message>
</context>
<context>
    <name>WorkOrdersDock</name>
    <message>
        <source>Work orders</source>
        <translation>工作交办单</translation>
    </message>
    <message>
        <source>Note, result, opinion or reason</source>
        <translation>备注、办理结果、审核意见或理由</translation>
    </message>
    <message>
        <source>New work order…</source>
        <translation>新建交办单…</translation>
    </message>
    <message>
        <source>Record patrol finding…</source>
        <translation>记录巡查发现…</translation>
    </message>
    <message>
        <source>Supervision list (overdue)</source>
        <translation>督办列表（超期）</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>预警灯</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>承办部门</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Rating</source>
        <translation>评价</translation>
    </message>
    <message>
        <source>Extend to</source>
        <translation>延期至</translation>
    </message>
    <message>
        <source>Patrol findings</source>
        <translation>巡查发现</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Open: </source>
        <translation>未办结：</translation>
    </message>
    <message>
        <source>Supervision list (overdue): %1</source>
        <translation>督办列表（超期）：%1</translation>
    </message>
    <message>
        <source>Assigned by</source>
        <translation>交办单位</translation>
    </message>
    <message>
        <source>Responsible</source>
        <translation>责任人</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系方式</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>警情描述</translation>
    </message>
    <message>
        <source>Requirements</source>
        <translation>办理要求</translation>
    </message>
    <message>
        <source>Extension requested to</source>
        <translation>申请延期至</translation>
    </message>
    <message>
        <source>overdue</source>
        <translation>超期</translation>
    </message>
    <message>
        <source>Deadlines (13710)</source>
        <translation>办理时限（13710）</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>期限</translation>
    </message>
    <message>
        <source>Met</source>
        <translation>完成于</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <source>Photos</source>
        <translation>照片</translation>
    </message>
    <message>
        <source>A note is needed for this action</source>
        <translation>此操作需要填写说明</translation>
    </message>
</context>
<context>
    <name>WorkOrdersTableModel</name>
    <message>
        <source>Number</source>
        <translation>警情编号</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>预警灯</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Matter</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Department</source>
        <translation>承办部门</translation>
    </message>
    <message>
        <source>Grid</source>
        <translation>网格</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>交办时间</translation>
    </message>
    <message>
        <source>Resolve by</source>
        <translation>办结期限</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>超期节点</translation>
    </message>
</context>
<context>
    <name>errors</name>
    <message>
        <source>Changed by another workstation</source>
        <translation>已被其他席位修改</translation>
    </message>
    <message>
        <source>Your change was not saved: %1
The current state is shown now.</source>
        <translation>您的修改未保存：%1
已显示最新状态。</translation>
    </message>
    <message>
        <source>Not permitted</source>
        <translation>无权操作</translation>
    </message>
    <message>
        <source>Not possible</source>
        <translation>无法执行</translation>
    </message>
    <message>
        <source>Not saved: database unreachable</source>
        <translation>未保存：数据库无法连接</translation>
    </message>
    <message>
        <source>The database is unreachable since %1, so this change was not saved. What you entered is still here: save it again once the red banner is gone.</source>
        <translation>数据库自 %1 起无法连接，此修改未保存。您填写的内容仍在：待红色横幅消失后再次保存。</translation>
    </message>
    <message>
        <source>Database unavailable</source>
        <translation>数据库不可用</translation>
    </message>
    <message>
        <source>Nothing was saved: %1</source>
        <translation>未保存任何内容：%1</translation>
    </message>
    <message>
        <source>Unexpected error</source>
        <translation>意外错误</translation>
    </message>
    <message>
        <source>Type longitude and latitude, e.g. 112.0812, 32.6845</source>
        <translation>请输入经度和纬度，例如 112.0812, 32.6845</translation>
    </message>
    <message>
        <source>Coordinates out of range</source>
        <translation>坐标超出范围</translation>
    </message>
    <message>
        <source>GCJ-02 coordinates must lie in China</source>
        <translation>GCJ-02 坐标必须位于中国境内</translation>
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
        <source>No fresh fix</source>
        <translation>定位过期</translation>
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
        <translation>%1秒</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1分钟</translation>
    </message>
    <message>
        <source>%1 h</source>
        <translation>%1 小时</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>接警</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>已签收</translation>
    </message>
    <message>
        <source>Handling</source>
        <translation>处置中</translation>
    </message>
    <message>
        <source>Result reported</source>
        <translation>已反馈</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>办结</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Invalid call</source>
        <translation>无效警情</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1分%2秒</translation>
    </message>
</context>
<context>
    <name>session</name>
    <message>
        <source>Your role may not do this (%1)</source>
        <translation>您的角色无此权限（%1）</translation>
    </message>
    <message>
        <source>User: %1 (%2)</source>
        <translation>用户：%1（%2）</translation>
    </message>
</context>
<context>
    <name>workorders</name>
    <message>
        <source>Issued</source>
        <translation>交办时间</translation>
    </message>
    <message>
        <source>Signed</source>
        <translation>已签收</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>办理中</translation>
    </message>
    <message>
        <source>Close requested</source>
        <translation>申请办结</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>办结</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Red</source>
        <translation>红灯</translation>
    </message>
    <message>
        <source>Yellow</source>
        <translation>黄灯</translation>
    </message>
    <message>
        <source>Green</source>
        <translation>绿灯</translation>
    </message>
    <message>
        <source>Deploy</source>
        <translation>当日部署</translation>
    </message>
    <message>
        <source>Progress report</source>
        <translation>3日反馈</translation>
    </message>
    <message>
        <source>Resolve</source>
        <translation>限期办结</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>签收</translation>
    </message>
    <message>
        <source>Report progress</source>
        <translation>反馈进展</translation>
    </message>
    <message>
        <source>Request closing</source>
        <translation>申请办结</translation>
    </message>
    <message>
        <source>Close (review)</source>
        <translation>审核办结</translation>
    </message>
    <message>
        <source>Send back</source>
        <translation>退回</translation>
    </message>
    <message>
        <source>Request extension</source>
        <translation>申请延期</translation>
    </message>
    <message>
        <source>Approve extension</source>
        <translation>批准延期</translation>
    </message>
    <message>
        <source>Refuse extension</source>
        <translation>不批准延期</translation>
    </message>
    <message>
        <source>Cancel (销号)</source>
        <translation>销号</translation>
    </message>
    <message>
        <source>Supervise</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Excellent</source>
        <translation>优秀</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>良好</translation>
    </message>
    <message>
        <source>Pass</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>Fail</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进展反馈</translation>
    </message>
    <message>
        <source>Sent back</source>
        <translation>退回</translation>
    </message>
    <message>
        <source>Extension requested</source>
        <translation>申请延期</translation>
    </message>
    <message>
        <source>Extension approved</source>
        <translation>批准延期</translation>
    </message>
    <message>
        <source>Extension refused</source>
        <translation>不批准延期</translation>
    </message>
    <message>
        <source>Supervision</source>
        <translation>督办</translation>
    </message>
    <message>
        <source>Ordinary (7 days)</source>
        <translation>一般（7天）</translation>
    </message>
    <message>
        <source>Major or complex (1 month)</source>
        <translation>重大复杂（1个月）</translation>
    </message>
    <message>
        <source>Handled on the spot</source>
        <translation>立查立纠</translation>
    </message>
    <message>
        <source>Handed over</source>
        <translation>已移交</translation>
    </message>
    <message>
        <source>Patrol</source>
        <translation>巡查</translation>
    </message>
    <message>
        <source>Incident</source>
        <translation>警情</translation>
    </message>
    <message>
        <source>Hotline (12345)</source>
        <translation>热线（12345）</translation>
    </message>
    <message>
        <source>Manual</source>
        <translation>手工录入</translation>
    </message>
</context>
</TS>
