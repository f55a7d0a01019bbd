//! The administrative region tree.

use serde::{Deserialize, Serialize};

use crate::region_code::{RegionCode, RegionLevel};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Region {
    pub code: RegionCode,
    pub name: String,
    pub level: RegionLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_code: Option<RegionCode>,
    /// Names from the root down to this region, e.g. ["浙江省", "宁波市", "海曙区"].
    pub full_name: Vec<String>,
    pub child_count: u64,
}
