//! The clean-up engine: a pure function from a cooperative's approved visits and registry facts, under a rule set, to
//! its S1–S6 flags (each with the evidence behind it), its state (RULES.md §1.3), the recommended actions (§1.4) and a
//! zh-CN explanation. It decides nothing: people confirm or override.

use chrono::{Months, NaiveDate};
use hezuo_sync::model::{
    CoopState, GxsRelation, InactiveReason, RecommendedAction, ShellFlag, Visit,
};
use serde::Serialize;

use super::rules::RuleSet;

/// A registry fact as imported: its value, the date it holds for and the file or body it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    pub value: bool,
    pub as_of: NaiveDate,
    pub source: String,
    pub detail: Option<String>,
}

/// A public complaint (群众举报) and whether investigation substantiated it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplaintFact {
    pub id: String,
    pub reference: String,
    pub received_on: NaiveDate,
    pub source: String,
    pub summary: String,
    pub substantiated: Option<bool>,
}

/// What market regulation, tax and the complaint systems say of the cooperative.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RegistryFacts {
    pub annual_report_filed: Option<Fact>,
    pub on_abnormal_list: Option<Fact>,
    pub tax_filed: Option<Fact>,
    pub complaints: Vec<ComplaintFact>,
    pub ties: Ties,
}

/// The cooperative's ties to the 供销 system, as the register or the latest approved visit records them. An exit
/// action that ends a tie applies only where the tie exists (RULES.md §1.4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Ties {
    /// Any 供销 relation (参办, 领办, 服务带动, 引导创办): 解除参办领办关系 ends it.
    pub gxs_relation: bool,
    /// A member of a 农合联 at any level: 取消各级农合联会员资格 ends it.
    pub nhl_member: bool,
}

/// One piece of evidence: where it comes from and what it says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// The approved visit it comes from; `None` for registry facts and complaints.
    pub visit_id: Option<String>,
    /// The visit field or registry fact, e.g. `membership.members_farmer`.
    pub field: String,
    pub value: serde_json::Value,
    /// Photos (SHA-256) that document it.
    pub photos: Vec<String>,
    /// The file or body a registry fact or complaint came from, and the date it holds for.
    pub source: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub note_zh: String,
}

impl Evidence {
    fn of_fact(field: &str, fact: &Fact, note: String) -> Evidence {
        Evidence {
            visit_id: None,
            field: field.to_owned(),
            value: fact.value.into(),
            photos: Vec::new(),
            source: Some(fact.source.clone()),
            as_of: Some(fact.as_of),
            note_zh: match &fact.detail {
                Some(detail) => format!("{note}（{detail}）"),
                None => note,
            },
        }
    }

    fn with_photos(mut self, photos: &[hezuo_sync::model::PhotoHash]) -> Evidence {
        self.photos = photos.iter().map(|p| p.as_str().to_owned()).collect();
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaisedFlag {
    pub flag: ShellFlag,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    pub state: CoopState,
    pub flags: Vec<RaisedFlag>,
    /// Governance, finance and registry gaps that make a trading cooperative non-standard, with their evidence.
    pub gaps: Vec<Evidence>,
    pub actions: Vec<RecommendedAction>,
    /// The ties the actions were chosen by.
    pub ties: Ties,
    pub explanation_zh: String,
    pub rule_set_version: String,
    /// The approved visits it read.
    pub visit_ids: Vec<String>,
    /// When the cooperative should be visited again, if the state asks for it.
    pub revisit_due: Option<NaiveDate>,
}

/// Classifies from approved visits (any order; the latest by visit date speaks for the present) and registry facts.
/// Without an approved visit the state rests on the registry alone and no S-flag is raised.
pub fn classify(
    visits: &[(String, Visit)],
    registry: &RegistryFacts,
    rules: &RuleSet,
    today: NaiveDate,
) -> Classification {
    let mut dated: Vec<(NaiveDate, &String, &Visit)> = visits
        .iter()
        .filter_map(|(id, visit)| Some((visit_date(visit)?, id, visit)))
        .collect();
    dated.sort_by_key(|(date, id, _)| (*date, (*id).clone()));
    let latest = dated.last().copied();
    let mut findings = Findings::default();
    if let Some((date, id, visit)) = latest {
        let on = Read {
            visit_id: id,
            rules,
        };
        if let Some(membership) = &visit.membership {
            on.membership(membership, &mut findings);
        }
        if let Some(operations) = &visit.operations {
            on.operations(operations, date.max(today), &mut findings);
        }
        if let Some(finance) = &visit.finance {
            on.finance(finance, &mut findings);
        }
        if let Some(risk) = &visit.risk {
            on.risk(risk, &mut findings);
        }
        if let Some(governance) = &visit.governance {
            on.governance(governance, &mut findings);
        }
    }
    findings.registry(registry);
    let state = findings.state(rules);
    let ties = ties_seen(registry.ties, latest.map(|(_, _, visit)| visit));
    Classification {
        revisit_due: (state == CoopState::DormantRecoverable)
            .then(|| today.checked_add_months(Months::new(rules.dormant_revisit_months)))
            .flatten(),
        visit_ids: dated.iter().map(|(_, id, _)| (*id).clone()).collect(),
        explanation_zh: findings.explain(state, latest.is_some()),
        actions: actions_for(state, ties),
        ties,
        state,
        flags: findings.flags,
        gaps: findings.gaps,
        rule_set_version: rules.version.clone(),
    }
}

/// What the evidence raised so far.
#[derive(Default)]
struct Findings {
    flags: Vec<RaisedFlag>,
    gaps: Vec<Evidence>,
    /// Months since the last substantive transaction, when the visit says.
    idle_months: Option<u32>,
    /// The inactivity has an objective reason (disaster, the manager's illness, policy).
    objective_reason: bool,
    /// The manager does not want to upgrade.
    unwilling: bool,
}

impl Findings {
    fn raise(&mut self, flag: ShellFlag, evidence: Evidence) {
        match self.flags.iter_mut().find(|f| f.flag == flag) {
            Some(raised) => raised.evidence.push(evidence),
            None => self.flags.push(RaisedFlag {
                flag,
                evidence: vec![evidence],
            }),
        }
    }

    fn has(&self, flag: ShellFlag) -> bool {
        self.flags.iter().any(|f| f.flag == flag)
    }

    /// Substantiated complaints raise S5 whether or not a visit found them; registry facts are gaps.
    fn registry(&mut self, registry: &RegistryFacts) {
        for complaint in &registry.complaints {
            if complaint.substantiated == Some(true) {
                self.raise(
                    ShellFlag::S5,
                    Evidence {
                        visit_id: None,
                        field: "complaints".to_owned(),
                        value: complaint.reference.clone().into(),
                        photos: Vec::new(),
                        source: Some(complaint.source.clone()),
                        as_of: Some(complaint.received_on),
                        note_zh: format!("群众举报经查属实：{}", complaint.summary),
                    },
                );
            }
        }
        let facts = [
            (
                &registry.annual_report_filed,
                false,
                "registry.annual_report_filed",
                "年度报告未报送",
            ),
            (
                &registry.on_abnormal_list,
                true,
                "registry.on_abnormal_list",
                "列入经营异常名录",
            ),
            (
                &registry.tax_filed,
                false,
                "registry.tax_filed",
                "未进行纳税申报",
            ),
        ];
        for (fact, gap_when, field, note) in facts {
            if let Some(fact) = fact
                && fact.value == gap_when
            {
                self.gaps
                    .push(Evidence::of_fact(field, fact, note.to_owned()));
            }
        }
    }

    /// The state the flags and gaps amount to (RULES.md §1.3).
    fn state(&self, rules: &RuleSet) -> CoopState {
        let idle = self.idle_months.unwrap_or(0);
        if self.has(ShellFlag::S4) || self.has(ShellFlag::S5) || self.has(ShellFlag::S6) {
            CoopState::FraudRisk
        } else if self.has(ShellFlag::S1)
            || self.has(ShellFlag::S2)
            || self.has(ShellFlag::S3)
            || (self.unwilling && idle >= rules.dormant_watch_months)
        {
            CoopState::Shell
        } else if idle >= rules.dormant_watch_months {
            CoopState::DormantRecoverable
        } else if !self.gaps.is_empty() {
            CoopState::ActiveNonstandard
        } else {
            CoopState::ActiveStandard
        }
    }

    fn explain(&self, state: CoopState, visited: bool) -> String {
        let mut explanation = format!("判定为“{}”", state.label_zh());
        for raised in &self.flags {
            explanation.push_str(&format!(
                "；{}（{}）",
                raised.flag.label_zh(),
                raised.evidence[0].note_zh
            ));
        }
        if state == CoopState::DormantRecoverable {
            let idle = self.idle_months.unwrap_or(0);
            explanation.push_str(&format!("；已{idle}个月无实质性经营"));
            if self.objective_reason {
                explanation.push_str("，有客观原因");
            }
        }
        if state == CoopState::ActiveNonstandard && !self.gaps.is_empty() {
            let notes: Vec<&str> = self.gaps.iter().map(|g| g.note_zh.as_str()).collect();
            explanation.push_str(&format!("；{}", notes.join("，")));
        }
        if !visited {
            explanation.push_str("；尚无审核通过的走访记录，仅依据登记信息");
        }
        explanation
    }
}

/// Reads one section of the latest approved visit.
struct Read<'a> {
    visit_id: &'a str,
    rules: &'a RuleSet,
}

impl Read<'_> {
    fn evidence(&self, field: &str, value: serde_json::Value, note: String) -> Evidence {
        Evidence {
            visit_id: Some(self.visit_id.to_owned()),
            field: field.to_owned(),
            value,
            photos: Vec::new(),
            source: None,
            as_of: None,
            note_zh: note,
        }
    }

    /// S1: the farmers' share, a one-person shop, the member sample.
    fn membership(&self, m: &hezuo_sync::model::Membership, findings: &mut Findings) {
        let rules = self.rules;
        if let (Some(total), Some(farmers)) = (m.members_total, m.members_farmer)
            && total > 0
        {
            let share = f64::from(farmers) * 100.0 / f64::from(total);
            if share < rules.farmer_share_min_pct {
                findings.raise(
                    ShellFlag::S1,
                    self.evidence(
                        "membership.members_farmer",
                        serde_json::json!({ "farmers": farmers, "total": total }),
                        format!(
                            "农民成员{farmers}人，占成员总数{total}人的{share:.0}%，低于{}%",
                            rules.farmer_share_min_pct
                        ),
                    ),
                );
            }
            if total <= 1 {
                findings.raise(
                    ShellFlag::S1,
                    self.evidence(
                        "membership.members_total",
                        total.into(),
                        "成员仅1人（一人社）".to_owned(),
                    ),
                );
            }
        }
        let sample = &m.members_verified_sample;
        if sample.len() as u32 >= rules.member_sample_min {
            let unaware = sample
                .iter()
                .filter(|s| s.contacted == Some(false) || s.knows_membership == Some(false))
                .count();
            let pct = unaware as f64 * 100.0 / sample.len() as f64;
            if pct >= rules.member_sample_unaware_pct {
                findings.raise(
                    ShellFlag::S1,
                    self.evidence(
                        "membership.members_verified_sample",
                        serde_json::json!({ "sampled": sample.len(), "unaware": unaware }),
                        format!(
                            "抽查成员{}人，其中{unaware}人联系不上或不知道自己是成员",
                            sample.len()
                        ),
                    ),
                );
            }
        }
    }

    /// S2/S3: months since the last substantive transaction, counted to `until`; the manager's will to upgrade.
    fn operations(
        &self,
        ops: &hezuo_sync::model::Operations,
        until: NaiveDate,
        findings: &mut Findings,
    ) {
        let last = ops
            .last_substantive_transaction_date
            .as_ref()
            .and_then(|d| NaiveDate::parse_from_str(d.as_str(), "%Y-%m-%d").ok());
        if let Some(last) = last {
            let months = months_between(last, until);
            findings.idle_months = Some(months);
            let reason = ops.inactive_reason.unwrap_or(InactiveReason::None);
            findings.objective_reason = matches!(
                reason,
                InactiveReason::NaturalDisaster
                    | InactiveReason::ManagerIncident
                    | InactiveReason::Policy
            );
            if months >= self.rules.shell_months && !findings.objective_reason {
                let (flag, why) =
                    if matches!(reason, InactiveReason::Market | InactiveReason::Funding) {
                        (
                            ShellFlag::S3,
                            format!("因经营不善（{}）停止运行已{months}个月", reason.label_zh()),
                        )
                    } else {
                        (
                            ShellFlag::S2,
                            format!("最近一次实质性交易在{last}，已{months}个月无实质性经营"),
                        )
                    };
                findings.raise(
                    flag,
                    self.evidence(
                        "operations.last_substantive_transaction_date",
                        last.to_string().into(),
                        why,
                    )
                    .with_photos(&ops.last_transaction_photos),
                );
            }
        }
        findings.unwilling = ops.manager_willing_to_upgrade == Some(false);
        if findings.unwilling {
            findings.gaps.push(self.evidence(
                "operations.manager_willing_to_upgrade",
                false.into(),
                "负责人不愿规范提升".to_owned(),
            ));
        }
    }

    /// S4: subsidised assets that do not exist or are not used; member accounts and the rebate as gaps.
    fn finance(&self, finance: &hezuo_sync::model::Finance, findings: &mut Findings) {
        for (index, subsidy) in finance.subsidies_received.iter().enumerate() {
            if subsidy.asset_exists == Some(false) || subsidy.asset_in_use == Some(false) {
                let what = if subsidy.asset_exists == Some(false) {
                    "不存在"
                } else {
                    "闲置未用"
                };
                findings.raise(
                    ShellFlag::S4,
                    self.evidence(
                        &format!("finance.subsidies_received[{index}]"),
                        serde_json::json!({ "project": subsidy.project, "amount": subsidy.amount }),
                        format!(
                            "财政扶持项目“{}”形成的资产{what}",
                            subsidy.project.as_deref().unwrap_or("未命名"),
                        ),
                    )
                    .with_photos(&subsidy.photos),
                );
            }
        }
        if finance.member_accounts == Some(false) {
            findings.gaps.push(self.evidence(
                "finance.member_accounts",
                false.into(),
                "未建立成员账户".to_owned(),
            ));
        }
        if let (Some(surplus), Some(rebate)) =
            (finance.distributable_surplus, finance.rebate_by_transaction)
            && surplus > 0.0
            && rebate * 100.0 / surplus < self.rules.rebate_min_pct
        {
            findings.gaps.push(self.evidence(
                "finance.rebate_by_transaction",
                serde_json::json!({ "surplus": surplus, "rebate": rebate }),
                format!("按交易量返还不足可分配盈余的{}%", self.rules.rebate_min_pct),
            ));
        }
    }

    /// S5 and S6: confirmed complaints, signs of illegal finance.
    fn risk(&self, risk: &hezuo_sync::model::Risk, findings: &mut Findings) {
        for (index, complaint) in risk.complaints.iter().enumerate() {
            if complaint.substantiated == Some(true) {
                findings.raise(
                    ShellFlag::S5,
                    self.evidence(
                        &format!("risk.complaints[{index}]"),
                        serde_json::json!({ "source": complaint.source }),
                        "群众举报经查属实".to_owned(),
                    ),
                );
            }
        }
        if risk.illegal_finance_signs == Some(true) {
            let notes = risk
                .illegal_finance_notes
                .as_deref()
                .map(|n| format!("：{n}"))
                .unwrap_or_default();
            findings.raise(
                ShellFlag::S6,
                self.evidence(
                    "risk.illegal_finance_signs",
                    true.into(),
                    format!("发现非法金融活动迹象{notes}"),
                ),
            );
        }
    }

    /// No signed minutes of any meeting is a governance gap.
    fn governance(&self, governance: &hezuo_sync::model::Governance, findings: &mut Findings) {
        if !governance
            .meetings
            .iter()
            .any(|m| m.minutes_signed == Some(true))
        {
            findings.gaps.push(self.evidence(
                "governance.meetings",
                governance.meetings.len().into(),
                "无签字的会议记录".to_owned(),
            ));
        }
    }
}

/// The register's ties, and those the latest approved visit saw.
pub fn ties_seen(register: Ties, latest: Option<&Visit>) -> Ties {
    let link = latest.and_then(|visit| visit.gxs_link.as_ref());
    Ties {
        gxs_relation: register.gxs_relation
            || link
                .and_then(|l| l.gxs_relation)
                .is_some_and(|r| r != GxsRelation::None),
        nhl_member: register.nhl_member || link.is_some_and(|l| !l.nhl_membership.is_empty()),
    }
}

/// The disposal actions RULES.md §1.4 recommends for a state, leaving out those that end a tie the cooperative does
/// not have.
pub fn actions_for(state: CoopState, ties: Ties) -> Vec<RecommendedAction> {
    match state {
        CoopState::FraudRisk => vec![RecommendedAction::ReferForInvestigation],
        CoopState::Shell => [
            (ties.gxs_relation, RecommendedAction::EndSponsorship),
            (ties.nhl_member, RecommendedAction::RemoveNhlMembership),
            (true, RecommendedAction::PushDeregistration),
        ]
        .into_iter()
        .filter_map(|(applies, action)| applies.then_some(action))
        .collect(),
        CoopState::DormantRecoverable => vec![RecommendedAction::TargetedAssistance],
        CoopState::ActiveNonstandard => vec![RecommendedAction::Standardise],
        CoopState::ActiveStandard => vec![RecommendedAction::ApplyForStarRating],
    }
}

fn visit_date(visit: &Visit) -> Option<NaiveDate> {
    let day = visit.meta.as_ref()?.visit_date.as_ref()?;
    NaiveDate::parse_from_str(day.as_str(), "%Y-%m-%d").ok()
}

/// Whole months from `from` to `to`.
fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    use chrono::Datelike;
    let mut months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    if to.day() < from.day() {
        months -= 1;
    }
    months.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use hezuo_sync::model::{
        Complaint, Day, Finance, Governance, Meeting, Membership, Operations, Risk, SampledMember,
        Subsidy, VisitMeta,
    };

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).expect("date")
    }

    /// An honest, well-run cooperative visited today.
    fn honest() -> Visit {
        Visit {
            meta: Some(VisitMeta {
                visit_date: Day::parse("2026-11-20"),
                ..Default::default()
            }),
            membership: Some(Membership {
                members_total: Some(120),
                members_farmer: Some(110),
                members_verified_sample: (0..3)
                    .map(|_| SampledMember {
                        contacted: Some(true),
                        knows_membership: Some(true),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }),
            governance: Some(Governance {
                meetings: vec![Meeting {
                    minutes_signed: Some(true),
                    ..Default::default()
                }],
                ..Default::default()
            }),
            finance: Some(Finance {
                member_accounts: Some(true),
                distributable_surplus: Some(100_000.0),
                rebate_by_transaction: Some(70_000.0),
                ..Default::default()
            }),
            operations: Some(Operations {
                last_substantive_transaction_date: Day::parse("2026-10-01"),
                manager_willing_to_upgrade: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn run(visit: Visit) -> Classification {
        let filed = RegistryFacts {
            annual_report_filed: Some(fact(true)),
            on_abnormal_list: Some(fact(false)),
            ..Default::default()
        };
        classify(
            &[("v1".to_owned(), visit)],
            &filed,
            &RuleSet::default(),
            today(),
        )
    }

    fn fact(value: bool) -> Fact {
        Fact {
            value,
            as_of: NaiveDate::from_ymd_opt(2026, 7, 1).expect("date"),
            source: "市场监管局2026年7月名单".to_owned(),
            detail: None,
        }
    }

    fn flags(c: &Classification) -> Vec<ShellFlag> {
        c.flags.iter().map(|f| f.flag).collect()
    }

    fn idle_since(day: &str, reason: InactiveReason) -> Visit {
        let mut visit = honest();
        let ops = visit.operations.as_mut().expect("operations");
        ops.last_substantive_transaction_date = Day::parse(day);
        ops.inactive_reason = Some(reason);
        visit
    }

    #[test]
    fn an_honest_cooperative_raises_nothing() {
        let c = run(honest());
        assert_eq!(c.state, CoopState::ActiveStandard);
        assert!(c.flags.is_empty());
        assert_eq!(c.actions, vec![RecommendedAction::ApplyForStarRating]);
        assert_eq!(c.rule_set_version, RuleSet::default().version);
        assert_eq!(c.visit_ids, vec!["v1"]);
    }

    #[test]
    fn s1_from_the_farmer_share_or_the_member_sample() {
        let mut visit = honest();
        visit.membership.as_mut().expect("m").members_farmer = Some(60);
        let c = run(visit);
        assert_eq!(flags(&c), vec![ShellFlag::S1]);
        assert_eq!(c.state, CoopState::Shell);
        assert_eq!(c.flags[0].evidence[0].field, "membership.members_farmer");
        assert_eq!(c.flags[0].evidence[0].visit_id.as_deref(), Some("v1"));

        let mut visit = honest();
        for member in &mut visit
            .membership
            .as_mut()
            .expect("m")
            .members_verified_sample[..2]
        {
            member.knows_membership = Some(false);
        }
        assert_eq!(flags(&run(visit)), vec![ShellFlag::S1]);
    }

    #[test]
    fn s2_and_s3_after_two_years_idle_and_dormant_before() {
        let c = run(idle_since("2024-09-01", InactiveReason::None));
        assert_eq!(flags(&c), vec![ShellFlag::S2]);
        assert_eq!(c.state, CoopState::Shell);
        assert!(c.actions.contains(&RecommendedAction::PushDeregistration));

        let c = run(idle_since("2024-09-01", InactiveReason::Market));
        assert_eq!(flags(&c), vec![ShellFlag::S3]);

        let c = run(idle_since("2025-08-01", InactiveReason::None));
        assert!(c.flags.is_empty());
        assert_eq!(c.state, CoopState::DormantRecoverable);
        assert_eq!(c.revisit_due, NaiveDate::from_ymd_opt(2027, 5, 20));

        let c = run(idle_since("2023-01-01", InactiveReason::NaturalDisaster));
        assert!(c.flags.is_empty(), "an objective reason is not a shell");
        assert_eq!(c.state, CoopState::DormantRecoverable);
    }

    /// A shell with no 供销 relation and no 农合联 membership is not told to end either: only deregistration applies.
    /// A tie the register lacks but the visit saw still counts.
    #[test]
    fn exit_actions_follow_the_ties_the_cooperative_has() {
        let shell = || idle_since("2024-09-01", InactiveReason::None);
        let classify_with = |visit: Visit, ties: Ties| {
            let registry = RegistryFacts {
                ties,
                ..Default::default()
            };
            classify(
                &[("v1".to_owned(), visit)],
                &registry,
                &RuleSet::default(),
                today(),
            )
        };
        let untied = classify_with(shell(), Ties::default());
        assert_eq!(untied.state, CoopState::Shell);
        assert_eq!(untied.actions, vec![RecommendedAction::PushDeregistration]);
        let member = Ties {
            gxs_relation: false,
            nhl_member: true,
        };
        assert_eq!(
            classify_with(shell(), member).actions,
            vec![
                RecommendedAction::RemoveNhlMembership,
                RecommendedAction::PushDeregistration
            ]
        );
        let mut seen_led = shell();
        seen_led.gxs_link = Some(hezuo_sync::model::GxsLink {
            gxs_relation: Some(GxsRelation::Led),
            ..Default::default()
        });
        assert_eq!(
            classify_with(seen_led, Ties::default()).actions,
            vec![
                RecommendedAction::EndSponsorship,
                RecommendedAction::PushDeregistration
            ]
        );
    }

    #[test]
    fn s4_s5_s6_are_fraud_risk() {
        let mut visit = honest();
        let photo = "ab".repeat(32);
        visit.finance.as_mut().expect("f").subsidies_received = vec![Subsidy {
            project: Some("冷库建设".into()),
            asset_exists: Some(false),
            photos: hezuo_sync::model::PhotoHash::parse(&photo)
                .into_iter()
                .collect(),
            ..Default::default()
        }];
        let c = run(visit);
        assert_eq!(flags(&c), vec![ShellFlag::S4]);
        assert_eq!(
            c.flags[0].evidence[0].photos,
            vec![photo],
            "the photo of the site"
        );
        assert_eq!(c.state, CoopState::FraudRisk);
        assert_eq!(c.actions, vec![RecommendedAction::ReferForInvestigation]);

        let mut visit = honest();
        visit.risk = Some(Risk {
            complaints: vec![
                Complaint {
                    substantiated: Some(false),
                    ..Default::default()
                },
                Complaint {
                    substantiated: Some(true),
                    ..Default::default()
                },
            ],
            ..Default::default()
        });
        let c = run(visit);
        assert_eq!(flags(&c), vec![ShellFlag::S5]);
        assert_eq!(c.flags[0].evidence[0].field, "risk.complaints[1]");

        let mut visit = honest();
        visit.risk = Some(Risk {
            illegal_finance_signs: Some(true),
            illegal_finance_notes: Some("挂牌“互助金”高息揽储".into()),
            ..Default::default()
        });
        let c = run(visit);
        assert_eq!(flags(&c), vec![ShellFlag::S6]);
        assert!(
            c.explanation_zh.contains("高息揽储"),
            "{}",
            c.explanation_zh
        );
    }

    #[test]
    fn governance_and_finance_gaps_are_nonstandard() {
        let mut visit = honest();
        visit.finance.as_mut().expect("f").member_accounts = Some(false);
        let c = run(visit);
        assert_eq!(c.state, CoopState::ActiveNonstandard);
        assert!(
            c.explanation_zh.contains("成员账户"),
            "{}",
            c.explanation_zh
        );
        assert_eq!(c.actions, vec![RecommendedAction::Standardise]);
    }

    #[test]
    fn the_latest_visit_speaks_and_a_rule_change_is_a_new_version() {
        let old = idle_since("2023-01-01", InactiveReason::None);
        let mut newer = honest();
        newer.meta.as_mut().expect("meta").visit_date = Day::parse("2026-11-21");
        let mut older = old;
        older.meta.as_mut().expect("meta").visit_date = Day::parse("2025-01-01");
        let c = classify(
            &[("new".into(), newer), ("old".into(), older)],
            &RegistryFacts::default(),
            &RuleSet::default(),
            today(),
        );
        assert_eq!(c.state, CoopState::ActiveStandard);
        assert_eq!(c.visit_ids, vec!["old", "new"]);

        let strict = RuleSet {
            version: "strict".to_owned(),
            shell_months: 13,
            dormant_watch_months: 6,
            ..RuleSet::default()
        };
        let visit = idle_since("2025-08-01", InactiveReason::None);
        let c = classify(
            &[("v".into(), visit)],
            &RegistryFacts::default(),
            &strict,
            today(),
        );
        assert_eq!(c.state, CoopState::Shell);
        assert_eq!(c.rule_set_version, "strict");
    }

    #[test]
    fn without_an_approved_visit_only_the_registry_and_complaints_speak() {
        let registry = RegistryFacts {
            annual_report_filed: Some(fact(false)),
            on_abnormal_list: Some(fact(true)),
            tax_filed: None,
            complaints: vec![ComplaintFact {
                id: "c1".to_owned(),
                reference: "12345-2026-0001".to_owned(),
                received_on: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
                source: "12345热线".to_owned(),
                summary: "以合作社名义高息揽储".to_owned(),
                substantiated: Some(true),
            }],
            ties: Ties::default(),
        };
        let c = classify(&[], &registry, &RuleSet::default(), today());
        assert_eq!(flags(&c), vec![ShellFlag::S5]);
        let evidence = &c.flags[0].evidence[0];
        assert_eq!(evidence.visit_id, None);
        assert_eq!(evidence.source.as_deref(), Some("12345热线"));
        assert_eq!(c.state, CoopState::FraudRisk);
        let gap_fields: Vec<&str> = c.gaps.iter().map(|g| g.field.as_str()).collect();
        assert_eq!(
            gap_fields,
            vec!["registry.annual_report_filed", "registry.on_abnormal_list"]
        );
        assert!(c.explanation_zh.contains("尚无审核通过"));
    }
}
