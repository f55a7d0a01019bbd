//! Small checks shared by handlers; each failure names the field and says what is wrong in both languages.

use hezuo_mobile_api::ErrorCode;

use crate::error::ApiError;

/// Collects field errors so a request with several problems reports all of them at once.
#[derive(Default)]
pub struct Checks {
    error: Option<ApiError>,
}

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fail(&mut self, field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) {
        let error = self
            .error
            .take()
            .unwrap_or_else(|| ApiError::new(ErrorCode::ValidationFailed));
        self.error = Some(error.with_field(field, code, zh, en));
    }

    /// Trims `value` and checks it is present and at most `max` characters; returns the trimmed text.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let trimmed = value.trim().to_owned();
        if trimmed.is_empty() {
            self.fail(field, "required", "不能为空", "must not be empty");
        } else if trimmed.chars().count() > max {
            self.fail(
                field,
                "too_long",
                format!("不能超过{max}个字符"),
                format!("must be at most {max} characters"),
            );
        }
        trimmed
    }

    /// Like [`Checks::text`] for optional fields: blank becomes `None`.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let trimmed = value.map(str::trim).filter(|v| !v.is_empty())?;
        Some(self.text(field, trimmed, max))
    }

    pub fn finish(self) -> Result<(), ApiError> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

/// Star levels run from 0 to 5.
pub fn check_star_level(checks: &mut Checks, field: &str, star: Option<u8>) {
    if star.is_some_and(|s| s > 5) {
        checks.fail(
            field,
            "out_of_range",
            "星级应为0到5",
            "star level must be 0–5",
        );
    }
}

/// A region code from a path or query parameter.
pub fn region_code_param(value: &str) -> Result<hezuo_mobile_api::RegionCode, ApiError> {
    hezuo_mobile_api::RegionCode::parse(value).map_err(|e| {
        ApiError::new(ErrorCode::RegionCodeInvalid).with_detail(e.message_zh(), e.to_string())
    })
}

/// A JSON body that may be left out entirely (an empty body means the defaults).
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        ApiError::new(ErrorCode::InvalidJson).with_detail(e.to_string(), e.to_string())
    })
}
