//! Small key–value markers (e.g. whether demo data was seeded).

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::settings;

pub fn get(conn: &mut DbConn, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(key)
        .select(settings::value)
        .get_result(conn)
        .optional()
}

pub fn set(conn: &mut DbConn, key: &str, value: &str) -> QueryResult<()> {
    let updated = diesel::update(settings::table.find(key))
        .set(settings::value.eq(value))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(settings::table)
            .values((settings::key.eq(key), settings::value.eq(value)))
            .execute(conn)?;
    }
    Ok(())
}
