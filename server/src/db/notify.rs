//! PostgreSQL `NOTIFY` on commit, which tells the other instances that a document or someone's access changed. SQLite
//! serves one process, so there it does nothing.

use diesel::connection::SimpleConnection;
use uuid::Uuid;

use super::DbConn;
use super::id::UserId;

/// The channel instances announce changed documents on.
pub const DOCUMENTS_CHANNEL: &str = "hezuo_documents";
/// The channel instances announce users whose access changed on.
pub const ACCESS_CHANNEL: &str = "hezuo_access";

/// Announces, when the transaction commits, that document `id` changed.
pub fn document_changed(conn: &mut DbConn, id: Uuid) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Pg(pg) => pg.batch_execute(&format!("NOTIFY {DOCUMENTS_CHANNEL}, '{id}'")),
        DbConn::Sqlite(_) => Ok(()),
    }
}

/// Announces, when the transaction commits, that `user`'s access changed (a revoked session or device, new role or
/// regions).
pub fn access_changed(conn: &mut DbConn, user: UserId) -> diesel::QueryResult<()> {
    match conn {
        DbConn::Pg(pg) => pg.batch_execute(&format!("NOTIFY {ACCESS_CHANNEL}, '{user}'")),
        DbConn::Sqlite(_) => Ok(()),
    }
}
