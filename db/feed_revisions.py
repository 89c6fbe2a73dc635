"""Row-locked feed revisions: writers that take the lock commit in the order they
got it, so a reader polling "newer than what I saw" never skips a late commit
(PostgreSQL sequences alone are assigned at insert but become visible at commit)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import FeedRevision

_FEED = FeedRevision.__table__


def lock_feed(session: Session, feed: str) -> int:
    """The feed's current revision, row-locked until the transaction ends (PostgreSQL;
    SQLite serialises writers anyway)."""
    query = select(_FEED.c.rev).where(_FEED.c.feed == feed)
    is_pg = session.get_bind().dialect.name == "postgresql"
    if is_pg:
        query = query.with_for_update()
    rev = session.execute(query).scalar()
    if rev is None:
        insert = (postgresql.insert if is_pg else sqlite.insert)(_FEED)
        session.execute(insert.values(feed=feed, rev=0).on_conflict_do_nothing(index_elements=["feed"]))
        rev = session.execute(query).scalar()
    return int(rev)


def feed_revision(session: Session, feed: str) -> int:
    return int(session.execute(select(_FEED.c.rev).where(_FEED.c.feed == feed)).scalar() or 0)
