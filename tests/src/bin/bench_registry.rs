//! `cargo run --release -p hezuo-tests --bin bench-registry [-- --cooperatives N]`
//!
//! Measures the foundation through the real server and SDK over loopback and prints the figures: register import
//! throughput, list/search/conditional-read latency for a counsellor, concurrent list throughput, and login with the
//! production Argon2id cost. SQLite by default; PostgreSQL when `HEZUO_TEST_POSTGRES_URL` is set. Figures are medians
//! (and p90) of repeated runs; this machine is shared, so compare ratios rather than absolute numbers.

use std::time::{Duration, Instant};

use hezuo_mobile_api::client::{ApiClient, Conditional};
use hezuo_mobile_api::cooperatives::CooperativeFilter;
use hezuo_server::demo;
use hezuo_tests::{PASSWORD, Persona, TestApp};

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn measure(label: &str, runs: usize, mut f: impl FnMut()) {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        f();
        samples.push(started.elapsed());
    }
    let median = percentile(&mut samples, 0.5);
    let p90 = percentile(&mut samples, 0.9);
    println!(
        "{label:<52} median {:>8.2} ms   p90 {:>8.2} ms   (n={runs})",
        median.as_secs_f64() * 1000.0,
        p90.as_secs_f64() * 1000.0
    );
}

/// The demo register as the market-regulation CSV export would carry it.
fn register_csv(count: usize) -> Vec<u8> {
    let mut csv = String::from(
        "企业名称,统一社会信用代码,法定代表人,成立日期,住所,行政区划代码,是否年报,是否列入经营异常名录\n",
    );
    for input in demo::cooperatives(count) {
        let flag = |v: Option<Option<bool>>| match v.flatten() {
            Some(true) => "是",
            Some(false) => "否",
            None => "",
        };
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            input.name,
            input.uscc.map(|u| u.to_string()).unwrap_or_default(),
            input.legal_representative.flatten().unwrap_or_default(),
            input
                .registration_date
                .flatten()
                .map(|d| d.to_string())
                .unwrap_or_default(),
            input.address.flatten().unwrap_or_default(),
            input.region_code.map(|r| r.to_string()).unwrap_or_default(),
            flag(input.annual_report_filed),
            flag(input.on_abnormal_list),
        ));
    }
    csv.into_bytes()
}

fn main() {
    let count = std::env::args()
        .skip_while(|a| a != "--cooperatives")
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000);
    let backend = if std::env::var("HEZUO_TEST_POSTGRES_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    };
    println!(
        "hezuo registry benchmark — backend {backend}, {count} cooperatives, server and client on loopback"
    );

    // Production password cost for the login figure.
    let app = TestApp::spawn_with(|config| {
        config.argon2_memory_kib = 19 * 1024;
        config.argon2_iterations = 2;
    });
    let admin = app.client(Persona::Admin);
    let csv = register_csv(count);

    let started = Instant::now();
    let report = admin.import_cooperatives(&csv).expect("import");
    let elapsed = started.elapsed();
    assert_eq!(report.inserted as usize, count, "{}", report.summary_zh());
    println!(
        "{:<52} {:>8.0} rows/s   ({count} rows in {:.2} s)",
        "import register CSV via API, all new",
        count as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    let mut reimport = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let report = admin.import_cooperatives(&csv).expect("re-import");
        reimport.push(started.elapsed());
        assert_eq!(report.unchanged as usize, count);
    }
    let median = percentile(&mut reimport, 0.5);
    println!(
        "{:<52} {:>8.0} rows/s   (median of 3)",
        "re-import the same register, all unchanged",
        count as f64 / median.as_secs_f64()
    );

    let counsellor = app.client(Persona::CounsellorHaishu);
    let visible = counsellor
        .list_cooperatives(&CooperativeFilter {
            limit: Some(500),
            ..Default::default()
        })
        .expect("list")
        .items
        .len();
    println!(
        "(the 海曙 counsellor sees {visible}+ cooperatives; the admin {})",
        count + 3
    );

    let page = CooperativeFilter {
        limit: Some(50),
        ..Default::default()
    };
    measure("counsellor: list 50 of own region", 200, || {
        counsellor.list_cooperatives(&page).expect("list");
    });
    let search = CooperativeFilter {
        q: Some("果蔬".into()),
        limit: Some(50),
        ..Default::default()
    };
    measure("counsellor: search name \"果蔬\"", 200, || {
        counsellor.list_cooperatives(&search).expect("search");
    });
    let big_page = CooperativeFilter {
        limit: Some(500),
        ..Default::default()
    };
    measure("admin: list 500 (whole city)", 50, || {
        admin.list_cooperatives(&big_page).expect("list");
    });
    let one = counsellor.list_cooperatives(&page).expect("list").items[0].id;
    let etag = match counsellor
        .get_cooperative_if_changed(one, None)
        .expect("read")
    {
        Conditional::Modified { etag, .. } => etag.expect("etag"),
        Conditional::NotModified => unreachable!("first read"),
    };
    measure("counsellor: read one cooperative", 200, || {
        counsellor.get_cooperative(one).expect("read");
    });
    measure("counsellor: conditional read, unchanged (304)", 200, || {
        let answer = counsellor
            .get_cooperative_if_changed(one, Some(&etag))
            .expect("read");
        assert_eq!(answer, Conditional::NotModified);
    });
    measure("authenticated GET /me (token + session check)", 200, || {
        counsellor.me().expect("me");
    });

    // Throughput: 4 phones listing at once.
    let threads = 4;
    let per_thread = 150;
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let client = counsellor.clone();
            let page = page.clone();
            scope.spawn(move || {
                for _ in 0..per_thread {
                    client.list_cooperatives(&page).expect("list");
                }
            });
        }
    });
    let elapsed = started.elapsed();
    println!(
        "{:<52} {:>8.0} req/s    ({} requests, {threads} clients)",
        "concurrent list 50",
        (threads * per_thread) as f64 / elapsed.as_secs_f64(),
        threads * per_thread
    );

    let anonymous: ApiClient = app.anonymous();
    measure("login, Argon2id 19 MiB × 2 (production cost)", 20, || {
        anonymous
            .login(Persona::CounsellorXiangshan.username(), PASSWORD, None)
            .expect("login");
    });
    let mut refresh_token = app.login(Persona::CounsellorXiangshan).refresh_token;
    measure("refresh (rotate refresh token)", 100, || {
        refresh_token = anonymous
            .refresh(&refresh_token)
            .expect("refresh")
            .refresh_token;
    });
}
