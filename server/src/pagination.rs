//! Opaque cursors for keyset pagination: the base64url of the last row's id.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hezuo_mobile_api::ErrorCode;
use hezuo_mobile_api::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};

use crate::error::{ApiError, ApiResult};

pub fn encode_cursor(last_id: impl std::fmt::Display) -> String {
    URL_SAFE_NO_PAD.encode(last_id.to_string())
}

pub fn decode_cursor(cursor: Option<&str>) -> ApiResult<Option<String>> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| ApiError::new(ErrorCode::InvalidCursor))?;
    let id = String::from_utf8(bytes).map_err(|_| ApiError::new(ErrorCode::InvalidCursor))?;
    if id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(ApiError::new(ErrorCode::InvalidCursor));
    }
    Ok(Some(id))
}

/// Cuts rows loaded with one too many (`limit + 1`) down to the page, with the cursor of the next page if there is one.
pub fn cut<T>(
    mut rows: Vec<T>,
    limit: i64,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| rows.last().map(|row| encode_cursor(key(row))))
        .flatten();
    (rows, next_cursor)
}

pub fn page_size(limit: Option<u32>) -> ApiResult<i64> {
    match limit {
        None => Ok(DEFAULT_PAGE_SIZE as i64),
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n as i64),
        Some(_) => Err(ApiError::new(ErrorCode::InvalidQuery).with_field(
            "limit",
            "out_of_range",
            format!("每页条数应在1到{MAX_PAGE_SIZE}之间"),
            format!("limit must be between 1 and {MAX_PAGE_SIZE}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = "0192f0a4-7c5e-7a3b-9c1d-2e3f4a5b6c7d";
        assert_eq!(
            decode_cursor(Some(&encode_cursor(id)))
                .expect("valid")
                .as_deref(),
            Some(id)
        );
        assert!(decode_cursor(Some("%%%")).is_err());
        assert!(decode_cursor(Some(&encode_cursor("x' OR 1=1 --"))).is_err());
        assert_eq!(decode_cursor(None).expect("none"), None);
    }

    #[test]
    fn a_page_is_cut_with_the_next_cursor_only_when_more_rows_follow() {
        let (rows, next) = cut(vec!["a", "b", "c"], 2, |r| r.to_string());
        assert_eq!(rows, vec!["a", "b"]);
        assert_eq!(
            decode_cursor(next.as_deref()).expect("cursor").as_deref(),
            Some("b")
        );
        let (rows, next) = cut(vec!["a", "b"], 2, |r| r.to_string());
        assert_eq!(rows.len(), 2);
        assert_eq!(next, None);
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(page_size(None).expect("default"), 50);
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(501)).is_err());
    }
}
