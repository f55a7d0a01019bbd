//! The authorization matrix: every registry, device and user endpoint, for every role, on resources of the caller's
//! own region and of a foreign one.
//!
//! The rule it pins down: a resource outside the caller's reach answers **404** (as if it did not exist, so ids leak
//! nothing); a resource the caller can see but may not change answers **403**; a region outside the caller's scope
//! named in a request body or filter answers **403 `region_out_of_scope`**; no token answers **401**.

use hezuo_mobile_api::client::ApiClient;
use hezuo_mobile_api::devices::RegisterDeviceRequest;
use hezuo_tests::{Fixture, HAISHU_VILLAGE, Persona, TestApp, XIANGSHAN_VILLAGE};
use serde_json::json;
use ureq::http::Method;
use uuid::Uuid;

use Persona::*;

struct World {
    app: TestApp,
    /// Each persona's client, with a registered device.
    clients: Vec<(Persona, ApiClient)>,
    devices: Vec<(Persona, Uuid)>,
}

impl World {
    fn new() -> Self {
        let app = TestApp::spawn();
        let mut clients = Vec::new();
        let mut devices = Vec::new();
        for persona in Persona::ALL {
            let client = app.client(persona);
            let (device, _) = client
                .register_device(&RegisterDeviceRequest {
                    name: format!("{persona:?}"),
                    platform: "android".to_owned(),
                    app_version: "1.0".to_owned(),
                })
                .expect("register");
            devices.push((persona, device.id));
            clients.push((persona, client));
        }
        Self {
            app,
            clients,
            devices,
        }
    }

    fn client(&self, persona: Option<Persona>) -> ApiClient {
        match persona {
            Some(p) => self
                .clients
                .iter()
                .find(|(q, _)| *q == p)
                .map(|(_, c)| c.clone())
                .expect("client"),
            None => self.app.anonymous(),
        }
    }

    fn device(&self, persona: Persona) -> Uuid {
        self.devices
            .iter()
            .find(|(q, _)| *q == persona)
            .map(|(_, d)| *d)
            .expect("device")
    }

    fn status(
        &self,
        persona: Option<Persona>,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> u16 {
        let bytes = body.map(|b| serde_json::to_vec(&b).expect("json"));
        let payload = bytes.as_deref().map(|b| ("application/json", b));
        self.client(persona)
            .raw(method, path, &[], &[], payload)
            .expect("answer")
            .status
    }
}

struct Case {
    action: &'static str,
    method: Method,
    path: String,
    body: Option<serde_json::Value>,
    /// Expected status for: anonymous, supervisor 海曙, supervisor 象山, counsellor 海曙, counsellor 象山, viewer 海曙, admin.
    expected: [u16; 7],
}

/// The admin goes last, so that its successful changes (moving a cooperative) do not change what the others see.
const CALLERS: [Option<Persona>; 7] = [
    None,
    Some(SupervisorHaishu),
    Some(SupervisorXiangshan),
    Some(CounsellorHaishu),
    Some(CounsellorXiangshan),
    Some(ViewerHaishu),
    Some(Admin),
];

fn new_cooperative(village: &str, name: &str) -> serde_json::Value {
    json!({ "name": name, "region_code": village })
}

#[test]
fn every_endpoint_answers_each_role_as_documented() {
    let world = World::new();
    let haishu = world.app.cooperative_id(Fixture::HaishuFruit);
    let xiangshan = world.app.cooperative_id(Fixture::XiangshanFishery);
    let counsellor_haishu = world.app.user_id(CounsellorHaishu);
    let counsellor_xiangshan = world.app.user_id(CounsellorXiangshan);
    let supervisor_xiangshan = world.app.user_id(SupervisorXiangshan);
    let admin = world.app.user_id(Admin);
    let counsellor_haishu_device = world.device(CounsellorHaishu);
    let counsellor_xiangshan_device = world.device(CounsellorXiangshan);

    let cases = vec![
        // ---- registry ----
        Case {
            action: "list cooperatives",
            method: Method::GET,
            path: "/api/v1/cooperatives".into(),
            body: None,
            expected: [401, 200, 200, 200, 200, 200, 200],
        },
        Case {
            action: "read a 海曙 cooperative",
            method: Method::GET,
            path: format!("/api/v1/cooperatives/{haishu}"),
            body: None,
            expected: [401, 200, 404, 200, 404, 200, 200],
        },
        Case {
            action: "read a 象山 cooperative",
            method: Method::GET,
            path: format!("/api/v1/cooperatives/{xiangshan}"),
            body: None,
            expected: [401, 404, 200, 404, 200, 404, 200],
        },
        Case {
            action: "filter by a 象山 region",
            method: Method::GET,
            path: "/api/v1/cooperatives?region=330225".into(),
            body: None,
            expected: [401, 403, 200, 403, 200, 403, 200],
        },
        Case {
            action: "create in 海曙",
            method: Method::POST,
            path: "/api/v1/cooperatives".into(),
            body: Some(new_cooperative(HAISHU_VILLAGE, "海曙新合作社")),
            expected: [401, 201, 403, 403, 403, 403, 201],
        },
        Case {
            action: "create in 象山",
            method: Method::POST,
            path: "/api/v1/cooperatives".into(),
            body: Some(new_cooperative(XIANGSHAN_VILLAGE, "象山新合作社")),
            expected: [401, 403, 201, 403, 403, 403, 201],
        },
        Case {
            action: "update a 海曙 cooperative",
            method: Method::PATCH,
            path: format!("/api/v1/cooperatives/{haishu}"),
            body: Some(json!({ "member_count": 130 })),
            expected: [401, 200, 404, 403, 404, 403, 200],
        },
        Case {
            action: "update a 象山 cooperative",
            method: Method::PATCH,
            path: format!("/api/v1/cooperatives/{xiangshan}"),
            body: Some(json!({ "member_count": 130 })),
            expected: [401, 404, 200, 404, 403, 404, 200],
        },
        Case {
            action: "move a 海曙 cooperative to 象山",
            method: Method::PATCH,
            path: format!("/api/v1/cooperatives/{haishu}"),
            body: Some(json!({ "region_code": XIANGSHAN_VILLAGE })),
            expected: [401, 403, 404, 403, 404, 403, 200],
        },
        // ---- regions ----
        Case {
            action: "list regions",
            method: Method::GET,
            path: "/api/v1/regions?parent=330200".into(),
            body: None,
            expected: [401, 200, 200, 200, 200, 200, 200],
        },
        Case {
            action: "read a region",
            method: Method::GET,
            path: "/api/v1/regions/330225".into(),
            body: None,
            expected: [401, 200, 200, 200, 200, 200, 200],
        },
        // ---- devices ----
        Case {
            action: "list devices",
            method: Method::GET,
            path: "/api/v1/devices".into(),
            body: None,
            expected: [401, 200, 200, 200, 200, 200, 200],
        },
        Case {
            action: "read the 海曙 counsellor's device",
            method: Method::GET,
            path: format!("/api/v1/devices/{counsellor_haishu_device}"),
            body: None,
            expected: [401, 200, 404, 200, 404, 404, 200],
        },
        Case {
            action: "read the 象山 counsellor's device",
            method: Method::GET,
            path: format!("/api/v1/devices/{counsellor_xiangshan_device}"),
            body: None,
            expected: [401, 404, 200, 404, 200, 404, 200],
        },
        // ---- users ----
        Case {
            action: "create a user",
            method: Method::POST,
            path: "/api/v1/users".into(),
            body: Some(
                json!({ "username": "new.counsellor", "display_name": "新辅导员", "role": "counsellor",
                               "password": "a-long-password", "region_codes": ["330203"] }),
            ),
            expected: [401, 403, 403, 403, 403, 403, 201],
        },
        Case {
            action: "list users",
            method: Method::GET,
            path: "/api/v1/users".into(),
            body: None,
            expected: [401, 200, 200, 200, 200, 200, 200],
        },
        Case {
            action: "read the 海曙 counsellor",
            method: Method::GET,
            path: format!("/api/v1/users/{counsellor_haishu}"),
            body: None,
            expected: [401, 200, 404, 200, 404, 404, 200],
        },
        Case {
            action: "read the 象山 counsellor",
            method: Method::GET,
            path: format!("/api/v1/users/{counsellor_xiangshan}"),
            body: None,
            expected: [401, 404, 200, 404, 200, 404, 200],
        },
        Case {
            action: "read the 象山 supervisor",
            method: Method::GET,
            path: format!("/api/v1/users/{supervisor_xiangshan}"),
            body: None,
            expected: [401, 404, 200, 404, 404, 404, 200],
        },
        Case {
            action: "read the admin",
            method: Method::GET,
            path: format!("/api/v1/users/{admin}"),
            body: None,
            expected: [401, 404, 404, 404, 404, 404, 200],
        },
        Case {
            action: "update the 海曙 counsellor",
            method: Method::PATCH,
            path: format!("/api/v1/users/{counsellor_haishu}"),
            body: Some(json!({ "display_name": "改名" })),
            expected: [401, 403, 403, 403, 403, 403, 200],
        },
        // ---- imports ----
        Case {
            action: "import regions",
            method: Method::POST,
            path: "/api/v1/imports/regions".into(),
            body: None,
            expected: [401, 403, 403, 403, 403, 403, 422],
        },
        Case {
            action: "import cooperatives",
            method: Method::POST,
            path: "/api/v1/imports/cooperatives".into(),
            body: None,
            expected: [401, 403, 403, 403, 403, 403, 422],
        },
    ];

    let mut mismatches = Vec::new();
    for case in &cases {
        for (index, caller) in CALLERS.iter().enumerate() {
            let status = world.status(*caller, case.method.clone(), &case.path, case.body.clone());
            if status != case.expected[index] {
                mismatches.push(format!(
                    "{:<36} as {:<22} expected {} got {status}",
                    case.action,
                    caller
                        .map(|p| format!("{p:?}"))
                        .unwrap_or_else(|| "anonymous".into()),
                    case.expected[index]
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "authorization matrix mismatches:\n{}",
        mismatches.join("\n")
    );
}

#[test]
fn revoking_devices_follows_the_same_rules() {
    // (caller, owner of the device, expected status)
    let cases = [
        (CounsellorHaishu, CounsellorHaishu, 200),
        (CounsellorXiangshan, CounsellorHaishu, 404),
        (ViewerHaishu, CounsellorHaishu, 404),
        (SupervisorXiangshan, CounsellorHaishu, 404),
        (SupervisorHaishu, CounsellorHaishu, 200),
        (SupervisorHaishu, ViewerHaishu, 200),
        (SupervisorHaishu, SupervisorXiangshan, 404),
        (SupervisorHaishu, Admin, 404),
        (CounsellorHaishu, Admin, 404),
        (Admin, SupervisorXiangshan, 200),
    ];
    let mut mismatches = Vec::new();
    for (caller, owner, expected) in cases {
        let world = World::new();
        let device = world.device(owner);
        let status = world.status(
            Some(caller),
            Method::POST,
            &format!("/api/v1/devices/{device}/revoke"),
            None,
        );
        if status != expected {
            mismatches.push(format!(
                "{caller:?} revoking {owner:?}'s device: expected {expected}, got {status}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn lists_contain_only_what_the_caller_may_see() {
    let world = World::new();
    let names = |persona: Persona| -> Vec<String> {
        let page = world
            .client(Some(persona))
            .list_cooperatives(&Default::default())
            .expect("list");
        page.items.into_iter().map(|c| c.name).collect()
    };
    assert_eq!(names(Admin).len(), 3);
    let haishu = names(CounsellorHaishu);
    assert_eq!(haishu.len(), 2);
    assert!(haishu.iter().all(|n| n.contains("海曙")));
    assert_eq!(
        names(CounsellorXiangshan),
        vec![Fixture::XiangshanFishery.name().to_owned()]
    );
    assert_eq!(names(ViewerHaishu).len(), 2);

    let usernames = |persona: Persona| -> Vec<String> {
        let page = world.client(Some(persona)).list_users(&[]).expect("list");
        let mut names: Vec<String> = page.items.into_iter().map(|u| u.username).collect();
        names.sort();
        names
    };
    assert_eq!(usernames(Admin).len(), Persona::ALL.len());
    assert_eq!(
        usernames(SupervisorHaishu),
        vec!["counsellor.haishu", "supervisor.haishu", "viewer.haishu"]
    );
    assert_eq!(usernames(CounsellorHaishu), vec!["counsellor.haishu"]);

    let device_owners = |persona: Persona| -> Vec<String> {
        let page = world
            .client(Some(persona))
            .list_devices(&Default::default())
            .expect("list");
        let mut owners: Vec<String> = page.items.into_iter().map(|d| d.username).collect();
        owners.sort();
        owners
    };
    assert_eq!(
        device_owners(SupervisorXiangshan),
        vec!["counsellor.xiangshan", "supervisor.xiangshan"]
    );
    assert_eq!(device_owners(CounsellorHaishu), vec!["counsellor.haishu"]);
    assert_eq!(device_owners(Admin).len(), Persona::ALL.len());
}
