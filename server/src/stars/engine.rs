//! The star-rating engine: a pure function from a scoring model, an applicant's subject and the reviewers' manual
//! scores to the score per category, the capped bonus, the vetoes that hold, the gates each star level passed or
//! failed, the star level and a zh-CN explanation. It decides nothing: reviewers confirm level by level.

use std::collections::BTreeMap;

use serde_json::Value;

use hezuo_mobile_api::stars::{
    CategoryScore, CheckOutcome, IndicatorScore, LevelOutcome, ManualScore, StarResult,
};

use super::model::{Check, FieldPath, Indicator, ScoringModel, Shared, Test};

/// Scores `subject` (see [`super::subject`]) under `model`.
pub fn score(
    model: &ScoringModel,
    subject: &Value,
    manual: &BTreeMap<String, ManualScore>,
) -> StarResult {
    let categories: Vec<CategoryScore> = model
        .categories
        .iter()
        .map(|category| {
            let indicators: Vec<IndicatorScore> = category
                .indicators
                .iter()
                .map(|i| score_indicator(i, subject, manual))
                .collect();
            CategoryScore {
                code: category.code.clone(),
                name_zh: category.name_zh.clone(),
                points: round2(indicators.iter().map(|i| i.points).sum()),
                max: category.points,
                indicators,
            }
        })
        .collect();
    let bonuses: Vec<IndicatorScore> = model
        .bonuses
        .iter()
        .map(|i| score_indicator(i, subject, manual))
        .collect();
    let bonus = round2(
        bonuses
            .iter()
            .map(|i| i.points)
            .sum::<f64>()
            .min(model.bonus_cap),
    );
    let total =
        round2((categories.iter().map(|c| c.points).sum::<f64>() + bonus).min(model.total_cap));
    let vetoes: Vec<CheckOutcome> = model
        .vetoes
        .iter()
        .filter(|check| evaluate(&check.when, subject, &mut None))
        .map(|check| outcome_of(check, subject))
        .collect();
    let mut levels = Vec::new();
    let mut star = None;
    let mut gates_so_far = true;
    for level in &model.stars {
        let failed_gates: Vec<CheckOutcome> = level
            .gates
            .iter()
            .filter(|gate| !evaluate(&gate.when, subject, &mut None))
            .map(|gate| outcome_of(gate, subject))
            .collect();
        gates_so_far &= failed_gates.is_empty();
        let score_reached = total >= level.min_score;
        if vetoes.is_empty() && score_reached && gates_so_far {
            star = Some(level.star);
        }
        levels.push(LevelOutcome {
            star: level.star,
            min_score: level.min_score,
            score_reached,
            failed_gates,
            review_level: level.review_level.clone(),
        });
    }
    let pending_manual: Vec<String> = categories
        .iter()
        .flat_map(|c| c.indicators.iter())
        .chain(&bonuses)
        .filter(|i| i.pending)
        .map(|i| i.code.to_string())
        .collect();
    let explanation_zh = explain(
        &categories,
        bonus,
        total,
        &vetoes,
        &levels,
        star,
        &pending_manual,
    );
    StarResult {
        model_version: model.version.clone(),
        categories,
        bonuses,
        bonus,
        total,
        vetoes,
        levels,
        star,
        pending_manual,
        explanation_zh,
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn score_indicator(
    indicator: &Indicator,
    subject: &Value,
    manual: &BTreeMap<String, ManualScore>,
) -> IndicatorScore {
    let mut evidence = Some(Evidence::new());
    let max = indicator.points;
    let (points, is_manual, pending, note) = match &indicator.how {
        Test::Manual => match manual.get(&*indicator.code) {
            Some(entry) => (
                entry.points.clamp(0.0, max),
                true,
                false,
                entry.note.clone(),
            ),
            None => (0.0, true, true, None),
        },
        Test::Bands { field, bands } => {
            let value = number(subject, field, &mut evidence);
            // The highest band the value reaches.
            let share = value
                .and_then(|v| {
                    bands
                        .iter()
                        .filter(|band| v >= band[0])
                        .max_by(|a, b| a[0].total_cmp(&b[0]))
                })
                .map_or(0.0, |band| band[1]);
            (max * share.clamp(0.0, 1.0), false, false, None)
        }
        Test::Pick { field, points } => {
            let value = read(subject, field, &mut evidence);
            let picked = value
                .as_str()
                .and_then(|v| points.get(v))
                .copied()
                .unwrap_or(0.0);
            (picked.clamp(0.0, max), false, false, None)
        }
        test => {
            let passes = evaluate(test, subject, &mut evidence);
            (if passes { max } else { 0.0 }, false, false, None)
        }
    };
    IndicatorScore {
        code: indicator.code.clone(),
        name_zh: indicator.name_zh.clone(),
        points: round2(points),
        max,
        manual: is_manual,
        pending,
        evidence: evidence.unwrap_or_default(),
        note,
    }
}

/// The fields each test read and what they held.
type Evidence = BTreeMap<Shared, Value>;

/// A gate or veto kept in the result, with the fields it read. Only the kept ones are built: most gates pass and
/// most vetoes do not hold, and their evidence would be thrown away.
fn outcome_of(check: &Check, subject: &Value) -> CheckOutcome {
    let mut evidence = Some(Evidence::new());
    evaluate(&check.when, subject, &mut evidence);
    CheckOutcome {
        code: check.code.clone(),
        name_zh: check.name_zh.clone(),
        evidence: evidence.unwrap_or_default(),
    }
}

/// The value at a dotted path (`null` when absent), recorded as evidence when evidence is being kept.
fn read<'a>(subject: &'a Value, path: &FieldPath, evidence: &mut Option<Evidence>) -> &'a Value {
    let value = path
        .keys()
        .try_fold(subject, |value, key| value.get(key))
        .unwrap_or(&Value::Null);
    if let Some(evidence) = evidence {
        evidence.insert(path.text().clone(), value.clone());
    }
    value
}

fn number(subject: &Value, path: &FieldPath, evidence: &mut Option<Evidence>) -> Option<f64> {
    read(subject, path, evidence).as_f64()
}

/// Whether a pass/fail test passes. Absent data never passes (and never trips a `false` test).
fn evaluate(test: &Test, subject: &Value, evidence: &mut Option<Evidence>) -> bool {
    match test {
        Test::True { field } => read(subject, field, evidence).as_bool() == Some(true),
        Test::False { field } => read(subject, field, evidence).as_bool() == Some(false),
        Test::AtLeast { field, min } => number(subject, field, evidence).is_some_and(|v| v >= *min),
        Test::RatioAtLeast {
            numerator,
            denominator,
            min,
            full_without_denominator,
        } => {
            let top = number(subject, numerator, evidence);
            match number(subject, denominator, evidence) {
                Some(bottom) if bottom > 0.0 => top.is_some_and(|t| t / bottom >= *min),
                _ => *full_without_denominator,
            }
        }
        Test::CountAtLeast { field, min } => read(subject, field, evidence)
            .as_array()
            .is_some_and(|items| items.len() >= *min),
        Test::OneOf { field, values } => read(subject, field, evidence)
            .as_str()
            .is_some_and(|v| values.iter().any(|allowed| allowed == v)),
        // Every test is evaluated (`&=` and `|=` do not short-circuit), so that the evidence shows every field read.
        Test::All { tests } => {
            let mut all = true;
            for test in tests {
                all &= evaluate(test, subject, evidence);
            }
            all
        }
        Test::Any { tests } => {
            let mut any = false;
            for test in tests {
                any |= evaluate(test, subject, evidence);
            }
            any
        }
        // Scoring-only tests; the model check keeps them out of gates and vetoes.
        Test::Manual | Test::Bands { .. } | Test::Pick { .. } => false,
    }
}

fn explain(
    categories: &[CategoryScore],
    bonus: f64,
    total: f64,
    vetoes: &[CheckOutcome],
    levels: &[LevelOutcome],
    star: Option<u8>,
    pending: &[String],
) -> String {
    let parts: Vec<String> = categories
        .iter()
        .map(|c| format!("{}{}/{}", c.name_zh, c.points, c.max))
        .collect();
    let mut text = format!("总分{total}（{}，加分{bonus}）", parts.join("，"));
    if !vetoes.is_empty() {
        let names: Vec<&str> = vetoes.iter().map(|v| &*v.name_zh).collect();
        text.push_str(&format!("；一票否决：{}", names.join("、")));
        return text;
    }
    match star {
        Some(star) => text.push_str(&format!("；达到{star}星级")),
        None => text.push_str("；未达到最低星级"),
    }
    let next = levels.iter().find(|l| star.is_none_or(|s| l.star > s));
    if let Some(next) = next {
        let mut why = Vec::new();
        if !next.score_reached {
            why.push(format!("总分未达{}分", next.min_score));
        }
        let below_failed: Vec<&str> = levels
            .iter()
            .filter(|l| l.star <= next.star)
            .flat_map(|l| l.failed_gates.iter().map(|g| &*g.name_zh))
            .collect();
        if !below_failed.is_empty() {
            why.push(format!("未满足：{}", below_failed.join("、")));
        }
        if !why.is_empty() {
            text.push_str(&format!("；未达{}星级：{}", next.star, why.join("，")));
        }
    }
    if !pending.is_empty() {
        text.push_str(&format!("；待评审打分：{}", pending.join("、")));
    }
    text
}
