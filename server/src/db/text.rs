//! Values kept in a text column (stored codes, typed ids): each says how it reads from and writes to its text, and
//! [`stored_as_text!`] gives it diesel's `FromSql`/`ToSql` on SQLite, PostgreSQL and the multi-backend connection.

use std::borrow::Cow;

use diesel::deserialize;

/// A value stored as text. Text that does not read is a read error (corrupt data), never a default.
pub trait StoredText: Sized {
    fn from_text(text: &str) -> deserialize::Result<Self>;
    fn to_text(&self) -> Cow<'_, str>;
}

/// Implements text `FromSql`/`ToSql` for `$name<$param: $bound>` through its [`StoredText`].
macro_rules! stored_as_text {
    ($name:ident<$param:ident: $bound:path>) => {
        impl<$param: $bound> diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::sqlite::Sqlite>
            for $name<$param>
        {
            fn from_sql(
                bytes: <diesel::sqlite::Sqlite as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::sqlite::Sqlite,
                >>::from_sql(bytes)?;
                <Self as $crate::db::text::StoredText>::from_text(&text)
            }
        }

        impl<$param: $bound> diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg>
            for $name<$param>
        {
            fn from_sql(
                bytes: <diesel::pg::Pg as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(bytes)?;
                <Self as $crate::db::text::StoredText>::from_text(&text)
            }
        }

        impl<$param: $bound>
            diesel::deserialize::FromSql<
                diesel::sql_types::Text,
                <$crate::db::DbConn as diesel::Connection>::Backend,
            > for $name<$param>
        {
            fn from_sql(
                bytes: <<$crate::db::DbConn as diesel::Connection>::Backend as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                bytes.from_sql::<Self, diesel::sql_types::Text>()
            }
        }

        impl<$param: $bound> diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite>
            for $name<$param>
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
            ) -> diesel::serialize::Result {
                match <Self as $crate::db::text::StoredText>::to_text(self) {
                    std::borrow::Cow::Borrowed(text) => out.set_value(text),
                    std::borrow::Cow::Owned(text) => out.set_value(text),
                }
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl<$param: $bound> diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>
            for $name<$param>
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                let text = <Self as $crate::db::text::StoredText>::to_text(self);
                std::io::Write::write_all(out, text.as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl<$param: $bound>
            diesel::serialize::ToSql<
                diesel::sql_types::Text,
                <$crate::db::DbConn as diesel::Connection>::Backend,
            > for $name<$param>
        {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<
                    'b,
                    '_,
                    <$crate::db::DbConn as diesel::Connection>::Backend,
                >,
            ) -> diesel::serialize::Result {
                out.set_value((diesel::sql_types::Text, self));
                Ok(diesel::serialize::IsNull::No)
            }
        }
    };
}

pub(crate) use stored_as_text;
