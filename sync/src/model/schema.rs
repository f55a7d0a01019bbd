//! The cooperative document (ARCHITECTURE.md §3) and the visit form (RULES.md §4).
//!
//! Root: `schema_version`, `cooperative_id`, `profile` (observed status, edited by counsellors), `visits` (by visit
//! UUID), `photos` (metadata by SHA-256), and the server-only `review` and `decisions`. Money is in yuan, areas in mu
//! (亩), shares in percent.

use std::collections::BTreeMap;

use super::values::{Day, Percent, PhotoHash};
use super::vocab::*;

record!(
    /// A position as the phone measured it.
    pub struct GeoPoint {
        pub lat: Option<f64>,
        pub lon: Option<f64>,
        /// Phones report WGS-84.
        pub datum: Option<Datum>,
        pub accuracy_m: Option<f64>,
    }
);

record!(
    /// 农合联 memberships, one flag each so that concurrent edits merge per level.
    pub struct NhlMembership {
        pub county: Option<bool>,
        pub township: Option<bool>,
        pub industry: Option<bool>,
    }
);

record!(
    /// What counsellors observe about the cooperative itself; the registry keeps the official facts.
    pub struct Profile {
        /// The name on the sign (may differ from the registered one).
        pub name: Option<String>,
        /// 统一社会信用代码, when known (cooperatives found in the field).
        pub uscc: Option<String>,
        pub region_code: Option<String>,
        pub legal_representative: Option<String>,
        pub address: Option<String>,
        pub location: Option<GeoPoint>,
        pub contact_phone: Option<String>,
        pub operating_status: Option<OperatingStatus>,
        pub industry: Option<Industry>,
        pub main_products: Option<String>,
        pub gxs_relation: Option<GxsRelation>,
        pub nhl_membership: Option<NhlMembership>,
        pub member_count: Option<u32>,
        pub sign_present: Option<bool>,
        pub notes: Option<String>,
    }
);

record!(
    pub struct Interviewee {
        pub role: Option<IntervieweeRole>,
        pub name: Option<String>,
        pub phone: Option<String>,
    }
);

record!(
    /// §4.1 Visit metadata.
    pub struct VisitMeta {
        pub visit_date: Option<Day>,
        pub visit_type: Option<VisitType>,
        pub geo: Option<GeoPoint>,
        pub interviewees: Vec<Interviewee>,
    }
);

record!(
    /// §4.2 Registration and public-record status, confirmed on site.
    pub struct RegistrationCheck {
        pub coop_name: Option<String>,
        pub reg_date: Option<Day>,
        pub reg_status: Option<RegistrationStatus>,
        pub legal_rep: Option<String>,
        pub business_scope: Option<String>,
        pub industry: Option<Industry>,
        /// 联合社.
        pub is_union: Option<bool>,
        pub annual_report_filed_last_year: Option<bool>,
        pub annual_report_date: Option<Day>,
        pub annual_report_revenue: Option<f64>,
        pub on_abnormal_list: Option<bool>,
        pub abnormal_reason: Option<String>,
        pub abnormal_since: Option<Day>,
        pub on_serious_violation_list: Option<bool>,
        pub tax_filing_status: Option<TaxFilingStatus>,
        pub charter_on_file: Option<bool>,
        pub charter_based_on_model: Option<bool>,
        pub office_present: Option<bool>,
        pub office_photos: Vec<PhotoHash>,
        pub bank_account_independent: Option<bool>,
    }
);

record!(
    /// A member contacted to check that membership is real.
    pub struct SampledMember {
        pub name: Option<String>,
        pub contacted: Option<bool>,
        pub knows_membership: Option<bool>,
        pub contributed_capital: Option<bool>,
        pub traded_last_12m: Option<bool>,
    }
);

record!(
    /// §4.3 Membership.
    pub struct Membership {
        pub members_total: Option<u32>,
        pub members_farmer: Option<u32>,
        pub members_org: Option<u32>,
        pub members_verified_sample: Vec<SampledMember>,
        pub capital_total: Option<f64>,
        pub capital_max_single_pct: Option<Percent>,
        pub capital_producers_pct: Option<Percent>,
        /// Land use rights, forest rights, machinery.
        pub nonmonetary_capital: Option<f64>,
        pub new_members_12m: Option<u32>,
        pub smallholders_joined_12m: Option<u32>,
        pub family_farms_joined_12m: Option<u32>,
        pub linked_nonmember_households: Option<u32>,
    }
);

record!(
    pub struct Meeting {
        pub meeting_type: Option<MeetingType>,
        pub date: Option<Day>,
        pub attendees: Option<u32>,
        pub minutes_signed: Option<bool>,
        pub photos: Vec<PhotoHash>,
    }
);

record!(
    /// §4.4 Governance (三会).
    pub struct Governance {
        pub board_exists: Option<bool>,
        pub supervisor_type: Option<SupervisorType>,
        /// Required when members exceed 150: representatives ≥ 10 % and ≥ 51.
        pub rep_assembly: Option<bool>,
        pub meetings: Vec<Meeting>,
        /// 社务公开.
        pub affairs_disclosed: Option<bool>,
        pub party_org: Option<PartyOrganisation>,
        /// No public official in office; no accountant serving as supervisor.
        pub conflict_roles_ok: Option<bool>,
    }
);

record!(
    pub struct Subsidy {
        pub year: Option<u32>,
        pub source_dept: Option<String>,
        pub project: Option<String>,
        pub amount: Option<f64>,
        pub asset_exists: Option<bool>,
        pub asset_in_use: Option<bool>,
        pub quantified_to_members: Option<bool>,
        pub photos: Vec<PhotoHash>,
    }
);

record!(
    pub struct Loan {
        pub lender: Option<String>,
        pub amount: Option<f64>,
        pub status: Option<LoanStatus>,
    }
);

record!(
    /// §4.5 Finance.
    pub struct Finance {
        pub bookkeeping: Option<Bookkeeping>,
        pub cashier_separate: Option<bool>,
        /// 成员账户.
        pub member_accounts: Option<bool>,
        pub fin_statements_last_year: Option<bool>,
        pub revenue_last_year: Option<f64>,
        pub revenue_with_members: Option<f64>,
        pub distributable_surplus: Option<f64>,
        /// Rebated by transaction volume; the rule wants ≥ 60 % of a positive surplus.
        pub rebate_by_transaction: Option<f64>,
        pub dividend_by_capital: Option<f64>,
        pub subsidies_received: Vec<Subsidy>,
        pub loans: Vec<Loan>,
        pub credit_rating: Option<String>,
    }
);

record!(
    /// §4.6 Operations and services.
    pub struct Operations {
        pub last_substantive_transaction_date: Option<Day>,
        /// Invoice or receipt of that transaction.
        pub last_transaction_photos: Vec<PhotoHash>,
        pub inactive_reason: Option<InactiveReason>,
        pub manager_willing_to_upgrade: Option<bool>,
        pub base_area_mu: Option<f64>,
        pub base_in_use: Option<bool>,
        pub base_photos: Vec<PhotoHash>,
        pub unified_input_purchase_pct: Option<Percent>,
        pub unified_sales_pct: Option<Percent>,
        pub brand_registered: Option<bool>,
        pub certifications: Vec<Certification>,
        pub traceability: Option<bool>,
        pub sales_channels: Vec<SalesChannel>,
        /// 浙农服 / 数字农合联 services in use.
        pub digital_services_used: Vec<String>,
        pub member_training_headcount_12m: Option<u32>,
        pub services_from_gxs: Vec<GxsService>,
    }
);

record!(
    /// §4.7 Link to the 供销社 and the 农合联.
    pub struct GxsLink {
        pub gxs_relation: Option<GxsRelation>,
        pub gxs_equity: Option<f64>,
        pub nhl_membership: Vec<NhlLevel>,
        pub nhl_member_since: Option<Day>,
        pub in_union_or_industry_federation: Option<bool>,
    }
);

record!(
    pub struct Complaint {
        pub date: Option<Day>,
        pub source: Option<String>,
        pub substantiated: Option<bool>,
    }
);

record!(
    /// §4.8 Risk and compliance.
    pub struct Risk {
        /// Deposit-taking, interest promises, bank-like signage.
        pub illegal_finance_signs: Option<bool>,
        pub illegal_finance_notes: Option<String>,
        pub complaints: Vec<Complaint>,
        pub safety_incident_12m: Option<SafetyIncident>,
        pub env_or_quality_violation: Option<bool>,
        pub land_rent_or_wage_arrears: Option<bool>,
        pub penalties: Vec<String>,
    }
);

record!(
    /// §4.9 Recognition.
    pub struct Recognition {
        pub demo_level: Option<DemoLevel>,
        pub demo_year: Option<u32>,
        /// 规范社 level as written on the certificate.
        pub guifan_level: Option<String>,
        pub star_current: Option<u8>,
        pub star_year: Option<u32>,
        pub recognitions: Vec<String>,
    }
);

record!(
    /// §4.10 The counsellor's assessment (the engine pre-fills later; the counsellor confirms or overrides).
    pub struct Assessment {
        pub shell_flags: Vec<ShellFlag>,
        pub coop_state: Option<CoopState>,
        pub recommended_actions: Vec<RecommendedAction>,
        pub override_reason: Option<String>,
        pub next_visit_due: Option<Day>,
        pub evidence_photos: Vec<PhotoHash>,
        pub counsellor_signed: Option<bool>,
        pub representative_name: Option<String>,
        pub representative_signed: Option<bool>,
    }
);

record!(
    /// One visit: saved as one commit; a draft until submitted.
    pub struct Visit {
        /// Who wrote it; checked against the device's account on every change.
        pub author_user_id: Option<String>,
        pub author_device_id: Option<String>,
        pub status: Option<VisitStatus>,
        /// Milliseconds since the epoch, by the phone's clock.
        pub created_at: Option<i64>,
        pub submitted_at: Option<i64>,
        pub notes: Option<String>,
        /// Photos this visit names; they may arrive days later.
        pub expected_photos: Vec<PhotoHash>,
        pub meta: Option<VisitMeta>,
        pub registration: Option<RegistrationCheck>,
        pub membership: Option<Membership>,
        pub governance: Option<Governance>,
        pub finance: Option<Finance>,
        pub operations: Option<Operations>,
        pub gxs_link: Option<GxsLink>,
        pub risk: Option<Risk>,
        pub recognition: Option<Recognition>,
        pub assessment: Option<Assessment>,
    }
);

record!(
    /// What a phone knows of a photo; the bytes live in blob storage under the hash.
    pub struct PhotoMeta {
        pub visit_id: Option<String>,
        pub caption: Option<String>,
        /// Milliseconds since the epoch, from EXIF when present.
        pub taken_at: Option<i64>,
        pub position: Option<GeoPoint>,
        pub width: Option<u32>,
        pub height: Option<u32>,
        pub bytes: Option<u64>,
        pub mime: Option<String>,
    }
);

record!(
    /// Server-only: where review of a visit stands, written by the server actor so that phones see it.
    pub struct ReviewRecord {
        pub state: Option<ReviewState>,
        pub pending_reason: Option<PendingReason>,
        /// Levels that approved the visit's current content, in order (e.g. `township`, then `county`).
        pub approved_levels: Vec<String>,
        /// The level whose decision the visit waits for, while pending.
        pub awaiting_level: Option<String>,
        /// What the counsellor is asked to fix (returned) or why the visit was not accepted (rejected).
        pub note: Option<String>,
        pub reviewer_user_id: Option<String>,
        pub reviewer_name: Option<String>,
        /// Milliseconds since the epoch, by the server's clock.
        pub at: Option<i64>,
        /// The document heads the last approval saw.
        pub approved_heads: Vec<String>,
        /// How many times the visit was returned for correction.
        pub times_returned: Option<u32>,
    }
);

record!(
    /// Server-only: a decision of the clean-up or star engines, confirmed by a person.
    pub struct DecisionRecord {
        /// `cleanup` (RULES.md §1) or `star` (§2).
        pub kind: Option<String>,
        /// The decided outcome, e.g. a clean-up state (`dormant_recoverable`).
        pub outcome: Option<String>,
        pub rule_set_version: Option<String>,
        /// Milliseconds since the epoch, by the server's clock.
        pub at: Option<i64>,
        /// When a counsellor should visit again, if the decision or a disposal action asks for it.
        pub revisit_due: Option<Day>,
        /// Why, in Chinese: the engine's explanation or the person's reason, and what the re-visit is for.
        pub note: Option<String>,
        pub decided_by_name: Option<String>,
    }
);

/// The whole document as it reads. Containers that the genesis change creates are plain maps.
#[derive(
    Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, autosurgeon::Hydrate,
)]
#[serde(deny_unknown_fields)]
pub struct CooperativeDoc {
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub schema_version: Option<u64>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub cooperative_id: Option<String>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub profile: Profile,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub visits: BTreeMap<String, Visit>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub photos: BTreeMap<String, PhotoMeta>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub review: BTreeMap<String, ReviewRecord>,
    #[autosurgeon(missing = "Default::default")]
    #[serde(default)]
    pub decisions: BTreeMap<String, DecisionRecord>,
}

impl Visit {
    /// Every photo the visit names, with the first field that names it (`expected_photos`,
    /// `registration.office_photos`, ...). A photo may arrive at the server days after the visit.
    pub fn named_photos(&self) -> BTreeMap<String, &'static str> {
        let mut named = BTreeMap::new();
        let mut add = |field: &'static str, hashes: &[PhotoHash]| {
            for hash in hashes {
                named.entry(hash.as_str().to_owned()).or_insert(field);
            }
        };
        add("expected_photos", &self.expected_photos);
        if let Some(registration) = &self.registration {
            add("registration.office_photos", &registration.office_photos);
        }
        if let Some(governance) = &self.governance {
            for meeting in &governance.meetings {
                add("governance.meetings.photos", &meeting.photos);
            }
        }
        if let Some(finance) = &self.finance {
            for subsidy in &finance.subsidies_received {
                add("finance.subsidies_received.photos", &subsidy.photos);
            }
        }
        if let Some(operations) = &self.operations {
            add(
                "operations.last_transaction_photos",
                &operations.last_transaction_photos,
            );
            add("operations.base_photos", &operations.base_photos);
        }
        if let Some(assessment) = &self.assessment {
            add("assessment.evidence_photos", &assessment.evidence_photos);
        }
        named
    }
}
