use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use hezuo_mobile_api::Problem;
use hezuo_mobile_api::reporting::{MonthlyReport, ReportMonthQuery};

use crate::auth::Authenticated;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::xlsx::{Cell, ExportFormat, Table};

/// A unit's monthly report with the month's figures: as XLSX (sheet 月报 with the text and typical cases, then the
/// figures' sheets; the default), CSV, or `format=html`, a printable document (every text shown as text).
#[utoipa::path(tag = "reports", params(
    ("region" = String, Path, description = "The reporting unit's region code (county or township)"),
    ("month" = String, Path, description = "YYYY-MM"),
    ReportMonthQuery,
), responses(
    (status = 200, description = "The report", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (status = 400, description = "A month that is not YYYY-MM, or an unknown format", body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such region in the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "The region is not a reporting unit", body = Problem, content_type = "application/problem+json"),
), security(("bearer" = [])))]
#[get("/reports/units/{region}/{month}/export")]
pub async fn export_unit_report(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<(String, String)>,
    query: web::Query<ReportMonthQuery>,
) -> ApiResult<HttpResponse> {
    let (region, month) = path.into_inner();
    let first = crate::reporting::month(&month)?;
    let html = query.format.as_deref() == Some("html");
    let format = if html {
        ExportFormat::Xlsx
    } else {
        ExportFormat::parse(query.format.as_deref())?
    };
    let due_day = state.config.report_due_day;
    let revisit_months = state.config.revisit_months;
    let (report, figures) = state
        .db
        .run(move |conn| {
            let unit = crate::reporting::unit(conn, &caller, &region)?;
            let report = crate::reporting::show(conn, &caller, &unit, first, due_day)?;
            let (figures, _) = crate::reporting::figures(conn, &unit, first, revisit_months)?;
            Ok((report, figures))
        })
        .await?;
    let name = format!("hezuo-report-{}-{}", report.region_code, report.month);
    if html {
        return Ok(HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            // A document to print: no script may run in it, whatever the text says.
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ))
            .body(printable(&report, &figures)));
    }
    let mut tables = vec![text_sheet(&report)];
    tables.extend(figures);
    crate::xlsx::download(format, &name, &tables)
}

fn text_sheet(report: &MonthlyReport) -> Table {
    let mut rows: Vec<Vec<Cell>> = vec![
        vec![
            "地区".into(),
            format!("{}（{}）", report.region_name, report.region_code).into(),
        ],
        vec!["月份".into(), report.month.clone().into()],
        vec!["状态".into(), report.status_zh.clone().into()],
        vec!["报送截止".into(), report.due.to_string().into()],
        vec!["报送时间".into(), report.filed_at.map(china_time).into()],
        vec!["报送人".into(), report.filed_by_name.clone().into()],
        vec!["正文".into(), report.narrative.clone().into()],
    ];
    for (index, case) in report.cases.iter().enumerate() {
        rows.push(vec![
            format!("典型案例{}", index + 1).into(),
            format!("{}：{}", case.title, case.text).into(),
        ]);
    }
    Table {
        sheet: "月报".to_owned(),
        titles: vec!["项目".to_owned(), "内容".to_owned()],
        rows,
    }
}

fn china_time(at: chrono::DateTime<chrono::Utc>) -> String {
    (at + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Text as HTML text: nothing in it is markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The report as a printable HTML document.
fn printable(report: &MonthlyReport, figures: &[Table]) -> String {
    let mut html = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title><style>\
         body{{font-family:'Noto Sans CJK SC',sans-serif;margin:2cm;font-size:11pt}}h1{{font-size:16pt}}\
         table{{border-collapse:collapse;margin:8px 0 16px}}td,th{{border:1px solid #999;padding:2px 6px;font-size:9pt}}\
         .meta{{color:#555}}p{{white-space:pre-wrap}}</style></head><body><h1>{title}</h1>\
         <p class=\"meta\">状态：{status}　报送截止：{due}{filed}</p><h2>工作进展</h2><p>{narrative}</p>",
        title = escape(&format!(
            "{}{}月度工作报告",
            report.region_name, report.month
        )),
        status = escape(&report.status_zh),
        due = report.due,
        filed = report
            .filed_at
            .map(|at| format!("　报送时间：{}", china_time(at)))
            .unwrap_or_default(),
        narrative = escape(&report.narrative),
    );
    if !report.cases.is_empty() {
        html.push_str("<h2>典型案例</h2>");
        for case in &report.cases {
            html.push_str(&format!(
                "<h3>{}</h3><p>{}</p>",
                escape(&case.title),
                escape(&case.text)
            ));
        }
    }
    for table in figures {
        html.push_str(&format!("<h2>{}</h2><table><tr>", escape(&table.sheet)));
        for title in &table.titles {
            html.push_str(&format!("<th>{}</th>", escape(title)));
        }
        html.push_str("</tr>");
        for row in &table.rows {
            html.push_str("<tr>");
            for cell in row {
                let text = match cell {
                    Cell::Text(text) => escape(text),
                    Cell::Number(n) => n.to_string(),
                    Cell::Empty => String::new(),
                };
                html.push_str(&format!("<td>{text}</td>"));
            }
            html.push_str("</tr>");
        }
        html.push_str("</table>");
    }
    html.push_str("</body></html>");
    html
}
