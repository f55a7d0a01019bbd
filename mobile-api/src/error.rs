//! Stable machine-readable error codes and the RFC 9457 problem document every error response carries.
//!
//! The `code` of a problem never changes meaning once released; clients branch on it, never on the text.

use serde::{Deserialize, Serialize};

use crate::localized::{Lang, Localized};

macro_rules! error_codes {
    ($( $variant:ident = ($code:literal, $status:literal, $retryable:literal, $zh:literal, $en:literal), )*) => {
        /// Every error the API can return. `code` strings are part of the API contract.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            $( $variant, )*
            /// A code this version of the client does not know yet (a newer server).
            #[serde(other)]
            Unknown,
        }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$( ErrorCode::$variant, )*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => $code, )*
                    ErrorCode::Unknown => "unknown",
                }
            }

            /// The HTTP status the server answers with.
            pub fn status(self) -> u16 {
                match self {
                    $( ErrorCode::$variant => $status, )*
                    ErrorCode::Unknown => 500,
                }
            }

            /// Whether the same request may succeed later without any change (so a phone should retry it).
            pub fn is_retryable(self) -> bool {
                match self {
                    $( ErrorCode::$variant => $retryable, )*
                    ErrorCode::Unknown => false,
                }
            }

            pub fn title(self) -> Localized {
                match self {
                    $( ErrorCode::$variant => Localized::new($zh, $en), )*
                    ErrorCode::Unknown => Localized::new("未知错误", "Unknown error"),
                }
            }
        }
    };
}

error_codes! {
    BadRequest = ("bad_request", 400, false, "请求格式错误", "Malformed request"),
    InvalidJson = ("invalid_json", 400, false, "请求体不是有效的 JSON", "The request body is not valid JSON"),
    InvalidQuery = ("invalid_query", 400, false, "查询参数无效", "Invalid query parameters"),
    InvalidCursor = ("invalid_cursor", 400, false, "分页游标无效", "Invalid pagination cursor"),
    ValidationFailed = ("validation_failed", 422, false, "提交的数据未通过校验", "The submitted data failed validation"),
    UsccInvalid = ("uscc_invalid", 422, false, "统一社会信用代码无效", "Invalid unified social credit code"),
    RegionCodeInvalid = ("region_code_invalid", 422, false, "行政区划代码无效", "Invalid administrative region code"),
    RegionUnknown = ("region_unknown", 422, false, "行政区划不存在", "Unknown administrative region"),
    Unauthenticated = ("unauthenticated", 401, false, "需要登录", "Authentication required"),
    TokenInvalid = ("token_invalid", 401, false, "访问令牌无效", "Invalid access token"),
    TokenExpired = ("token_expired", 401, false, "访问令牌已过期", "Access token expired"),
    SessionRevoked = ("session_revoked", 401, false, "登录会话已失效，请重新登录", "Session ended, please log in again"),
    DeviceRevoked = ("device_revoked", 401, false, "此设备已被停用", "This device has been revoked"),
    InvalidCredentials = ("invalid_credentials", 401, false, "用户名或密码错误", "Wrong username or password"),
    RefreshTokenInvalid = ("refresh_token_invalid", 401, false, "刷新令牌无效或已过期", "Invalid or expired refresh token"),
    RefreshTokenReused = ("refresh_token_reused", 401, false, "刷新令牌被重复使用，会话已注销", "Refresh token reused; the session has been revoked"),
    AccountLocked = ("account_locked", 429, true, "登录失败次数过多，账户暂时锁定", "Too many failed logins; account temporarily locked"),
    RateLimited = ("rate_limited", 429, true, "请求过于频繁，请稍后再试", "Too many requests, try again later"),
    AccountDisabled = ("account_disabled", 403, false, "账户已停用", "Account disabled"),
    Forbidden = ("forbidden", 403, false, "无权执行此操作", "You are not allowed to do this"),
    CsrfTokenInvalid = ("csrf_token_invalid", 403, false, "页面已过期，请刷新后重试", "The page is out of date; reload and try again"),
    DeviceRequired = ("device_required", 403, false, "请先注册本设备再同步", "Register this device before syncing"),
    UnsupportedProtocol = ("unsupported_protocol", 400, false, "客户端同步协议版本过新或过旧", "Unsupported sync protocol version"),
    RegionOutOfScope = ("region_out_of_scope", 403, false, "该行政区划不在您的负责范围内", "That region is outside your assigned regions"),
    NotFound = ("not_found", 404, false, "资源不存在", "Not found"),
    DeviceUnknown = ("device_unknown", 404, false, "设备不存在或不属于当前用户", "Unknown device for this user"),
    MethodNotAllowed = ("method_not_allowed", 405, false, "不支持此请求方法", "Method not allowed"),
    Conflict = ("conflict", 409, false, "与现有数据冲突", "Conflicts with existing data"),
    UsccDuplicate = ("uscc_duplicate", 409, false, "该统一社会信用代码已登记", "A cooperative with this credit code already exists"),
    UsernameTaken = ("username_taken", 409, false, "用户名已被使用", "Username already taken"),
    SessionDeviceBound = ("session_device_bound", 409, false, "当前会话已绑定其他设备", "This session is already bound to another device"),
    DeviceLimitReached = ("device_limit_reached", 409, false, "本账户登记的设备数已达上限，请先停用不再使用的旧设备", "This account has reached its device limit; retire an old device first"),
    PreconditionFailed = ("precondition_failed", 412, false, "数据已被他人修改，请刷新后重试", "The resource changed; reload and retry"),
    PayloadTooLarge = ("payload_too_large", 413, false, "请求体过大", "Request body too large"),
    UnsupportedMediaType = ("unsupported_media_type", 415, false, "不支持的文件类型", "Unsupported media type"),
    ImportFileInvalid = ("import_file_invalid", 422, false, "导入文件无法读取", "The import file cannot be read"),
    TusVersionUnsupported = ("tus_version_unsupported", 412, false, "不支持的 tus 协议版本（需要 1.0.0）", "Unsupported tus version (1.0.0 required)"),
    UploadOffsetMismatch = ("upload_offset_mismatch", 409, false, "上传偏移量与服务器不一致，请先查询当前偏移量", "Upload-Offset does not match the server's; ask for the current offset first"),
    UploadExpired = ("upload_expired", 410, false, "上传已过期，请重新开始", "The upload has expired; start a new one"),
    UploadExceedsLength = ("upload_exceeds_length", 400, false, "上传的数据超过了声明的长度", "More bytes than the declared Upload-Length"),
    ChecksumAlgorithmUnsupported = ("checksum_algorithm_unsupported", 400, false, "不支持的校验算法（仅支持 sha256）", "Unsupported checksum algorithm (only sha256)"),
    ChecksumMismatch = ("checksum_mismatch", 460, false, "本段数据校验失败，请重新发送", "The chunk's checksum does not match; send it again"),
    PhotoNotExpected = ("photo_not_expected", 422, false, "没有走访记录引用此照片，请先同步走访记录", "No visit you can see names this photo; sync the visit first"),
    PhotoHashMismatch = ("photo_hash_mismatch", 422, false, "照片内容与声明的 SHA-256 不符", "The photo's content does not match its declared SHA-256"),
    PhotoTooLarge = ("photo_too_large", 413, false, "照片尺寸或像素数超过上限", "The photo's dimensions or pixel count exceed the limit"),
    PhotoUnreadable = ("photo_unreadable", 422, false, "无法识别的照片（仅支持 JPEG 和 PNG）", "The photo cannot be decoded (JPEG and PNG only)"),
    NotAReviewer = ("not_a_reviewer", 403, false, "您没有审核权限（仅限所辖区域内相应层级的督导）", "You do not review (only supervisors at a review level, within their regions)"),
    ReviewLevelMismatch = ("review_level_mismatch", 403, false, "只能以本人所在的审核层级操作", "You act at your own review level only"),
    ReviewNotPending = ("review_not_pending", 409, false, "该走访记录当前不在待审核状态", "The visit is not pending review"),
    ReviewNotYourTurn = ("review_not_your_turn", 409, false, "须待下级审核通过后再审核", "The levels below must approve first"),
    ReviewUnapproveOrder = ("review_unapprove_order", 409, false, "撤销通过须从最高层级开始", "Approvals are withdrawn from the highest level down"),
    ReviewNotApproved = ("review_not_approved", 409, false, "该层级尚未通过此走访记录", "Your level has not approved this visit"),
    ReviewApprovedAbove = ("review_approved_above", 409, false, "已有同级或上级审核通过，须先撤销通过", "A level at or above yours approved it; withdraw that approval first"),
    ReviewStale = ("review_stale", 412, false, "走访记录已有新的修改，请刷新后再审核", "The visit changed since you opened it; reload and review again"),
    ConflictResolved = ("conflict_resolved", 409, false, "该冲突已经解决", "The conflict is already resolved"),
    ConflictValueUnfit = ("conflict_value_unfit", 422, false, "所选或填写的值不符合该字段的要求", "The chosen or entered value does not fit the field"),
    VersionUnknown = ("version_unknown", 422, false, "文档中没有该版本", "The document has no such version"),
    DuplicateResolved = ("duplicate_resolved", 409, false, "该重复合作社已处理", "The duplicate is already dealt with"),
    CooperativeMerged = ("cooperative_merged", 410, false, "该合作社已合并到另一合作社", "The cooperative was merged into another"),
    NotADecider = ("not_a_decider", 403, false, "清理认定和处置仅限督导或管理员（辅导员不作认定）", "Clean-up decisions and cases are for supervisors and admins (counsellors do not decide)"),
    ClassificationStale = ("classification_stale", 412, false, "该合作社已有新的判定结果，请刷新后再认定", "The cooperative was classified again since; reload and decide again"),
    ClassificationMissing = ("classification_missing", 409, false, "该合作社尚无判定结果（须有审核通过的走访记录）", "The cooperative has no classification yet (it needs an approved visit)"),
    ClassificationUndecided = ("classification_undecided", 409, false, "须先确认或改判该合作社的判定结果，再立案处置", "Confirm or override the classification before opening a case"),
    CaseAlreadyOpen = ("case_already_open", 409, false, "该合作社已有未结案的处置案件", "The cooperative has an open disposal case"),
    CaseClosed = ("case_closed", 409, false, "该处置案件已结案", "The disposal case is closed"),
    CaseActionsOpen = ("case_actions_open", 409, false, "尚有未完成的处置措施，不能结案", "Some actions are neither done nor cancelled"),
    RuleSetInvalid = ("rule_set_invalid", 422, false, "规则集无效", "The rule set is invalid"),
    RuleSetVersionTaken = ("rule_set_version_taken", 409, false, "该版本号已用于不同的规则，请使用新版本号", "That version names different rules; use a new version"),
    StarModelInvalid = ("star_model_invalid", 422, false, "星级评定模型无效", "The scoring model is invalid"),
    StarModelVersionTaken = ("star_model_version_taken", 409, false, "该版本号已用于不同的评定模型，请使用新版本号", "That version names a different scoring model; use a new version"),
    StarModelUnknown = ("star_model_unknown", 422, false, "没有该版本的评定模型，或其适用对象与评定不符", "No such scoring model for this kind of organisation"),
    StarCampaignExists = ("star_campaign_exists", 409, false, "该年度已开启同类组织的星级评定", "A campaign for this year and kind is already open"),
    StarCampaignClosed = ("star_campaign_closed", 409, false, "该星级评定已结束，不再受理或评审", "The campaign is closed"),
    StarKindMismatch = ("star_kind_mismatch", 422, false, "该组织类型不适用本次星级评定", "This kind of organisation is not rated by this campaign"),
    StarBarred = ("star_barred", 409, false, "该合作社在限制申报期内，不得申报星级评定", "The cooperative is barred from applying"),
    StarEvidenceMissing = ("star_evidence_missing", 409, false, "该合作社尚无审核通过的走访记录，无法计分", "The cooperative has no approved visit to score"),
    StarApplicationStale = ("star_application_stale", 412, false, "申报材料或得分已变化，请刷新后重试", "The application changed since you read it"),
    StarScoresPending = ("star_scores_pending", 409, false, "尚有需人工评分的指标未评分", "Some manual indicators are not scored yet"),
    StarNotAwaitingLevel = ("star_not_awaiting_level", 409, false, "该申报当前不在此层级评审", "The application does not await this level"),
    StarApplicationDecided = ("star_application_decided", 409, false, "该申报已评定完毕", "The application is already decided"),
    NotReportingUnit = ("not_reporting_unit", 422, false, "月报按乡镇（街道）或县（区）填报", "Monthly reports are filed by townships and counties"),
    ReportMonthOpen = ("report_month_open", 409, false, "该月尚未结束，月报在次月填报", "The month has not ended; its report is filed the month after"),
    ReportLocked = ("report_locked", 409, false, "月报已报送或已确认，退回后才能修改", "The report is filed or acknowledged; it changes only after being returned"),
    ReportNotFiled = ("report_not_filed", 409, false, "该月报尚未报送", "The report has not been filed"),
    ReportStale = ("report_stale", 412, false, "月报已被他人修改，请刷新后重试", "The report changed since you read it"),
    Internal = ("internal", 500, true, "服务器内部错误", "Internal server error"),
    ServiceUnavailable = ("service_unavailable", 503, true, "服务暂时不可用，请稍后重试", "Service temporarily unavailable"),
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name in the request (`region_code`, `uscc`, ...).
    pub field: String,
    /// A stable code for the failure (`required`, `too_long`, `uscc_invalid`, ...).
    pub code: String,
    /// Human-readable message in the response language.
    pub message: String,
}

/// An existing resource a conflict refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExistingResource {
    pub id: String,
    pub name: String,
}

/// RFC 9457 problem details, served as `application/problem+json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// URI identifying the problem type; resolves to the code's documentation.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary in the response language (zh-CN unless English is preferred).
    pub title: String,
    pub status: u16,
    /// The stable machine-readable code.
    pub code: ErrorCode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Per-field validation failures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The existing resource a conflict is about, when the caller may see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<ExistingResource>,
    /// Seconds to wait before retrying (also sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

impl Problem {
    pub const CONTENT_TYPE: &'static str = "application/problem+json";

    pub fn new(code: ErrorCode, lang: Lang) -> Self {
        Self {
            problem_type: format!("https://hezuo.dev/problems/{}", code.as_str()),
            title: code.title().get(lang).to_owned(),
            status: code.status(),
            code,
            detail: None,
            instance: None,
            errors: Vec::new(),
            existing: None,
            retry_after_secs: None,
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.status, self.code, self.title)?;
        if let Some(detail) = &self.detail {
            write!(f, " — {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_documented_strings() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).expect("serialize");
            assert_eq!(json, serde_json::Value::String(code.as_str().to_owned()));
            let back: ErrorCode = serde_json::from_value(json).expect("deserialize");
            assert_eq!(back, *code);
        }
    }

    #[test]
    fn codes_from_a_newer_server_are_tolerated() {
        let code: ErrorCode = serde_json::from_str("\"something_new\"").expect("deserialize");
        assert_eq!(code, ErrorCode::Unknown);
    }

    #[test]
    fn codes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate code {code}");
        }
    }
}
