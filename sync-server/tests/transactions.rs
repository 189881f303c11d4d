//! Issue 15 §3: transactions over REST (CRUD, filters, paging), the bank file import (idempotent,
//! even for two imports at once; 413 over 10 MiB), categorisation rules (and what a correction
//! teaches), actuals and plan against actual, transactions through sync, isolation, and no
//! payee or amount readable at rest. SQLite, and PostgreSQL when `LIFEPATH_TEST_PG_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/imports")
        .join(name);
    std::fs::read(path).unwrap()
}

/// `POST /transactions/import` with a hand-built multipart body: `file` and text `fields`.
async fn import(s: &Server, u: &User, file: &[u8], fields: &[(&str, &str)]) -> Resp {
    let boundary = "lifepath-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .into_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes(),
    );
    body.extend_from_slice(file);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    s.raw(
        s.req(Method::POST, "/transactions/import")
            .bearer_auth(&u.token)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body),
    )
    .await
}

async fn all(s: &Server, u: &User, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut path = format!("/transactions?limit=3{query}");
    loop {
        let r = s.get(&path, u).await;
        assert_eq!(r.status, 200, "{}", r.text);
        out.extend(r.body["items"].as_array().unwrap().iter().cloned());
        match r.body["next_cursor"].as_str() {
            Some(c) => path = format!("/transactions?limit=3{query}&cursor={c}"),
            None => return out,
        }
    }
}

fn payees(items: &[Value]) -> Vec<&str> {
    items.iter().map(|t| t["payee"].as_str().unwrap()).collect()
}

async fn add(s: &Server, u: &User, date: &str, amount: &str, payee: &str, cat: Value) -> String {
    let r = s
        .post(
            "/transactions",
            u,
            json!({"date": date, "amount": amount, "payee": payee, "category": cat,
                   "account": "Checking", "notes": format!("note {payee}")}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["user_id"], json!(u.id));
    assert_eq!(r.body["version"], 1);
    assert_eq!(r.body["fingerprint"].as_str().unwrap().len(), 64);
    r.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn crud_filters_paging_and_isolation() {
    let s = Server::start().await;
    let u = s.register("tx@example.com").await;
    let other = s.register("tx-other@example.com").await;
    add(
        &s,
        &u,
        "2026-01-05",
        "-40.00",
        "Corner Shop",
        json!("groceries"),
    )
    .await;
    add(&s, &u, "2026-01-20", "2500.00", "Employer", Value::Null).await;
    let cafe = add(&s, &u, "2026-02-03", "-3.80", "Cafe Blue", json!("dining")).await;
    add(
        &s,
        &u,
        "2026-02-14",
        "-62.10",
        "Corner Shop",
        json!("groceries"),
    )
    .await;
    add(&s, &u, "2026-03-01", "-9.99", "Streamly", Value::Null).await;

    // Newest date first, paged.
    let every = all(&s, &u, "").await;
    assert_eq!(
        payees(&every),
        [
            "Streamly",
            "Corner Shop",
            "Cafe Blue",
            "Employer",
            "Corner Shop"
        ]
    );
    // Filters, each paged through too.
    let feb = all(&s, &u, "&from=2026-02-01&to=2026-02-28").await;
    assert_eq!(payees(&feb), ["Corner Shop", "Cafe Blue"]);
    let groceries = all(&s, &u, "&category=groceries").await;
    assert_eq!(payees(&groceries), ["Corner Shop", "Corner Shop"]);
    let none = all(&s, &u, "&category=uncategorized").await;
    assert_eq!(payees(&none), ["Streamly", "Employer"]);
    let q = all(&s, &u, "&q=corner%20SHOP&from=2026-02-01").await;
    assert_eq!(payees(&q), ["Corner Shop"]);
    let notes = all(&s, &u, "&q=note%20cafe").await;
    assert_eq!(payees(&notes), ["Cafe Blue"]);
    assert_problem(&s.get("/transactions?from=2026-13-01", &u).await, 422);
    assert_problem(
        &s.get("/transactions?from=2026-03-01&to=2026-02-01", &u)
            .await,
        422,
    );

    // Get, patch (a category set by the user), delete.
    let r = s.get(&format!("/transactions/{cafe}"), &u).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["etag"], "\"1\"");
    let r = s
        .patch(
            &format!("/transactions/{cafe}"),
            &u,
            json!({"category": "coffee", "notes": null, "version": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["category"], "coffee");
    assert_eq!(r.body["categorised_by"], "user");
    assert_eq!(r.body["notes"], Value::Null);
    assert_eq!(r.body["version"], 2);
    let stale = s
        .patch(
            &format!("/transactions/{cafe}"),
            &u,
            json!({"payee": "X", "version": 1}),
        )
        .await;
    assert_eq!(stale.status, 409);
    assert_eq!(stale.body["current"]["version"], 2);
    let bad = s
        .post(
            "/transactions",
            &u,
            json!({"date": "2026-01-01", "amount": "0", "payee": "", "category": "Not A Slug"}),
        )
        .await;
    assert_problem(&bad, 422);
    for f in ["amount", "payee", "category"] {
        assert!(bad.text.contains(f), "{f}: {}", bad.text);
    }

    // Another user: 404 on every route with the id, an empty list.
    let path = format!("/transactions/{cafe}");
    assert_problem(&s.get(&path, &other).await, 404);
    assert_problem(
        &s.patch(&path, &other, json!({"payee": "mine now"})).await,
        404,
    );
    assert_problem(&s.delete(&path, &other).await, 404);
    assert!(all(&s, &other, "").await.is_empty());
    assert!(all(&s, &other, "&category=groceries").await.is_empty());

    assert_eq!(s.delete(&path, &u).await.status, 204);
    assert_problem(&s.get(&path, &u).await, 404);
    assert_eq!(all(&s, &u, "").await.len(), 4);
}

#[tokio::test]
async fn import_twice_adds_nothing_and_reports_rows() {
    let s = Server::start().await;
    let u = s.register("import@example.com").await;
    let other = s.register("import-other@example.com").await;
    let file = fixture("us-card-chase-style.csv");
    let r = import(&s, &u, &file, &[("account", "Visa")]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["format"], "csv");
    assert_eq!(r.body["imported"], 7);
    assert_eq!(r.body["duplicates"], 0);
    assert_eq!(r.body["refused"], json!([]));
    let import_id = r.body["import_id"].as_str().unwrap().to_owned();
    let rows = all(&s, &u, "").await;
    assert_eq!(rows.len(), 7);
    assert!(rows.iter().all(|t| t["import_id"] == json!(import_id)));
    assert!(rows.iter().all(|t| t["account"] == "Visa"));
    let pizza = rows
        .iter()
        .find(|t| t["payee"] == "JOE'S PIZZA, BROOKLYN")
        .unwrap();
    assert_eq!(pizza["amount"], "-27.50");
    assert_eq!(pizza["category"], "food_drink");
    assert_eq!(pizza["date"], "2026-03-14");

    // The same file again: nothing added. Another user's import is their own.
    let again = import(&s, &u, &file, &[("account", "Visa")]).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["imported"], 0);
    assert_eq!(again.body["duplicates"], 7);
    assert_eq!(all(&s, &u, "").await.len(), 7);
    let theirs = import(&s, &other, &file, &[("account", "Visa")]).await;
    assert_eq!(theirs.body["imported"], 7);

    // A bad row is refused with its line, the file goes on.
    let de = import(&s, &u, &fixture("de-giro-sparkasse-style.csv"), &[]).await;
    assert_eq!(de.status, 200, "{}", de.text);
    assert_eq!(de.body["refused"][0]["line"], 5, "{}", de.text);
    assert!(de.body["imported"].as_u64().unwrap() >= 3);
    // OFX and QIF are recognised from the content.
    let ofx = import(&s, &u, &fixture("ofx1-sgml-checking.ofx"), &[]).await;
    assert_eq!(ofx.body["format"], "ofx", "{}", ofx.text);
    let qif = import(&s, &u, &fixture("quicken-bank.qif"), &[]).await;
    assert_eq!(qif.body["format"], "qif", "{}", qif.text);
    assert!(qif.body["imported"].as_u64().unwrap() > 0);

    // A mapping given by the client; a broken one names its field.
    let text = b"when;who;how much\n02/03/2026;Baker;-4,50\n";
    let mapped = import(
        &s,
        &u,
        text,
        &[(
            "mapping",
            r#"{"delimiter": ";", "has_header": true, "date_column": 0, "date_format": "%d/%m/%Y",
                "payee_column": 1, "amount": {"kind": "signed", "column": 2}, "decimal_comma": true}"#,
        )],
    )
    .await;
    assert_eq!(mapped.status, 200, "{}", mapped.text);
    assert_eq!(mapped.body["imported"], 1, "{}", mapped.text);
    let baker = all(&s, &u, "&q=baker").await;
    assert_eq!(baker[0]["amount"], "-4.50");
    assert_eq!(baker[0]["date"], "2026-03-02");
    let broken = import(&s, &u, text, &[("mapping", "{\"delimiter\": 5}")]).await;
    assert_problem(&broken, 422);
    assert!(broken.text.contains("mapping"), "{}", broken.text);
    let none = s
        .raw(
            s.req(Method::POST, "/transactions/import")
                .bearer_auth(&u.token)
                .header("content-type", "multipart/form-data; boundary=x")
                .body("--x--\r\n"),
        )
        .await;
    assert!(none.status == 400 || none.status == 422, "{}", none.text);
    let no_boundary = s
        .raw(
            s.req(Method::POST, "/transactions/import")
                .bearer_auth(&u.token)
                .header("content-type", "multipart/form-data"),
        )
        .await;
    assert_problem(&no_boundary, 400);
    let anonymous = s
        .raw(s.req(Method::POST, "/transactions/import").body("x"))
        .await;
    assert_problem(&anonymous, 401);
}

#[tokio::test]
async fn two_concurrent_imports_of_one_file_add_each_row_once() {
    let s = std::sync::Arc::new(Server::start().await);
    let u = s.register("race-import@example.com").await;
    // A file of 300 rows, so the two imports overlap in the database.
    let mut text = String::from("Date,Description,Amount\n");
    for i in 0..300 {
        text.push_str(&format!(
            "2026-0{}-{:02},Shop {i},-{}.{:02}\n",
            1 + i % 9,
            1 + i % 28,
            1 + i,
            i % 100
        ));
    }
    let text = std::sync::Arc::new(text.into_bytes());
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let (s, u, text) = (s.clone(), u.clone(), text.clone());
        tasks.push(tokio::spawn(
            async move { import(&s, &u, &text, &[]).await },
        ));
    }
    let mut imported = 0;
    let mut duplicates = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 200, "{}", r.text);
        imported += r.body["imported"].as_u64().unwrap();
        duplicates += r.body["duplicates"].as_u64().unwrap();
    }
    assert_eq!(imported, 300);
    assert_eq!(duplicates, 300);
    let r = s.get("/transactions?limit=200", &u).await;
    let mut n = r.body["items"].as_array().unwrap().len();
    let c = r.body["next_cursor"].as_str().unwrap().to_owned();
    n += s
        .get(&format!("/transactions?limit=200&cursor={c}"), &u)
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(n, 300);
}

#[tokio::test]
async fn a_file_over_ten_mib_is_413_and_nothing_is_kept() {
    let s = Server::start().await;
    let u = s.register("big@example.com").await;
    // Over the 1 MiB of a JSON body, under the file limit: imported.
    let memo = "m".repeat(1000);
    let mut ok = b"Date,Description,Amount,Memo\n".to_vec();
    let mut rows = 0;
    while ok.len() <= 2 * 1024 * 1024 {
        rows += 1;
        ok.extend_from_slice(
            format!(
                "2026-01-{:02},Shop {rows},-{rows}.00,{memo}\n",
                1 + rows % 28
            )
            .as_bytes(),
        );
    }
    let r = import(&s, &u, &ok, &[]).await;
    assert_eq!(r.status, 200, "{}", &r.text[..r.text.len().min(300)]);
    assert_eq!(r.body["imported"], rows);
    let u = s.register("big2@example.com").await;
    let mut text = b"Date,Description,Amount\n".to_vec();
    while text.len() <= 10 * 1024 * 1024 {
        text.extend_from_slice(b"2026-01-01,Padding row of a big file,-1.00\n");
    }
    let r = import(&s, &u, &text, &[]).await;
    assert_problem(&r, 413);
    assert_eq!(r.body["code"], "payload_too_large");
    assert!(all(&s, &u, "").await.is_empty());
}

#[tokio::test]
async fn rules_and_corrections_categorise_imports() {
    let s = Server::start().await;
    let u = s.register("rules@example.com").await;
    let other = s.register("rules-other@example.com").await;
    let r = s
        .post(
            "/categories/rules",
            &u,
            json!({"match": {"field": "payee", "op": "contains", "value": "tesco"},
                   "category": "groceries", "priority": 2}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rule = r.body["id"].as_str().unwrap().to_owned();
    let r = s
        .post(
            "/categories/rules",
            &u,
            json!({"match": {"field": "payee", "op": "regex", "value": "^uber\\s"},
                   "category": "transport", "priority": 1}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let bad = s
        .post(
            "/categories/rules",
            &u,
            json!({"match": {"field": "payee", "op": "regex", "value": "("}, "category": "x"}),
        )
        .await;
    assert_problem(&bad, 422);
    assert!(bad.text.contains("match.value"), "{}", bad.text);
    let list = s.get("/categories/rules", &u).await;
    assert_eq!(list.status, 200);
    let cats: Vec<&str> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["category"].as_str().unwrap())
        .collect();
    assert_eq!(cats, ["transport", "groceries"], "priority order");
    assert!(
        s.get("/categories/rules", &other).await.body["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_problem(
        &s.patch(
            &format!("/categories/rules/{rule}"),
            &other,
            json!({"category": "x"}),
        )
        .await,
        404,
    );
    assert_problem(
        &s.delete(&format!("/categories/rules/{rule}"), &other).await,
        404,
    );

    // The user corrects one row: its payee's category is learned.
    let pharmacy = add(&s, &u, "2026-01-02", "-8.00", "Boots Pharmacy", Value::Null).await;
    let r = s
        .patch(
            &format!("/transactions/{pharmacy}"),
            &u,
            json!({"category": "health"}),
        )
        .await;
    assert_eq!(r.body["categorised_by"], "user");

    let text = b"Date,Description,Amount\n2026-02-01,TESCO STORES 22,-31.00\n\
                 2026-02-02,UBER TRIP,-12.00\n2026-02-03,Boots Pharmacy,-5.00\n\
                 2026-02-04,Unknown Place,-1.00\n";
    let r = import(&s, &u, text, &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["imported"], 4);
    assert_eq!(r.body["categorised"], 3);
    let rows = all(&s, &u, "&from=2026-02-01").await;
    let by = |p: &str| {
        let t = rows.iter().find(|t| t["payee"] == p).unwrap();
        (t["category"].clone(), t["categorised_by"].clone())
    };
    assert_eq!(
        by("TESCO STORES 22"),
        (json!("groceries"), json!(format!("rule:{rule}")))
    );
    assert_eq!(by("UBER TRIP").0, json!("transport"));
    assert_eq!(by("Boots Pharmacy"), (json!("health"), json!("learned")));
    assert_eq!(by("Unknown Place"), (Value::Null, Value::Null));

    // Patch and delete a rule.
    let r = s
        .patch(
            &format!("/categories/rules/{rule}"),
            &u,
            json!({"category": "food", "version": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["version"], 2);
    assert_eq!(
        s.delete(&format!("/categories/rules/{rule}"), &u)
            .await
            .status,
        204
    );
    assert_eq!(
        s.get("/categories/rules", &u).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn actuals_and_plan_vs_actual_from_the_imported_month() {
    let s = Server::start().await;
    let u = s.register("actuals@example.com").await;
    let other = s.register("actuals-other@example.com").await;
    import(&s, &u, &fixture("us-card-chase-style.csv"), &[]).await;
    // A transfer counts neither way.
    add(
        &s,
        &u,
        "2026-03-02",
        "-1000.00",
        "To savings",
        json!("transfer"),
    )
    .await;

    let r = s.get("/budgets/actuals?period=2026-03", &u).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Worked by hand from the fixture: income 500.00 + 23.99; spending per category.
    assert_eq!(r.body["total_income"], "523.99");
    assert_eq!(
        r.body["category_totals"],
        json!({"entertainment": "15.49", "food_drink": "27.50", "gas": "82.40",
               "groceries": "82.17"})
    );
    assert_eq!(r.body["total_expenses"], "207.56");
    assert_eq!(r.body["surplus"], "316.43");
    assert_eq!(r.body["transactions"], 7);
    let empty = s.get("/budgets/actuals?period=2026-03", &other).await;
    assert_eq!(empty.body["total_expenses"], "0.00");
    assert_problem(&s.get("/budgets/actuals?period=2026-13", &u).await, 422);
    assert_problem(&s.get("/budgets/actuals", &u).await, 422);

    // No budget for the month or before: 404.
    assert_problem(
        &s.get("/budgets/plan-vs-actual?period=2026-03", &u).await,
        404,
    );
    let r = s
        .post(
            "/budgets/snapshots",
            &u,
            json!({"period_year": 2026, "period_month": 2,
                   "budget_model": budget("4000.00", "groceries", "50.00")}),
        )
        .await;
    assert_eq!(r.status, 201);
    // The February budget is March's plan (the latest one before it).
    let r = s
        .get(
            "/budgets/plan-vs-actual?period=2026-03&as_of=2026-03-15",
            &u,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cats: Vec<&str> = r.body["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert_eq!(
        cats,
        ["gas", "groceries", "food_drink", "entertainment", "housing"]
    );
    let groceries = &r.body["categories"][1];
    assert_eq!(groceries["planned"], "50.00");
    assert_eq!(groceries["actual"], "82.17");
    assert_eq!(groceries["remaining"], "-32.17");
    assert_eq!(groceries["over"], "32.17");
    // 82.17 ÷ (50 × 15 ÷ 31)
    let pace = groceries["pace"].as_f64().unwrap();
    assert!((pace - 82.17 / (50.0 * 15.0 / 31.0)).abs() < 1e-6, "{pace}");
    assert_eq!(r.body["categories"][0]["pace"], Value::Null, "planned 0");
    assert_eq!(r.body["categories"][4]["pace"], 0.0);
    // Another month than as_of: no pace.
    let r = s
        .get(
            "/budgets/plan-vs-actual?period=2026-03&as_of=2026-05-01",
            &u,
        )
        .await;
    assert_eq!(r.body["categories"][1]["pace"], Value::Null);
    assert_problem(
        &s.get("/budgets/plan-vs-actual?period=2026-03", &other)
            .await,
        404,
    );
}

#[tokio::test]
async fn transactions_sync_and_a_duplicate_fingerprint_is_refused() {
    let s = Server::start().await;
    let u = s.register("tx-sync@example.com").await;
    let id = uuid::Uuid::now_v7().to_string();
    let fp = "a".repeat(64);
    let data = json!({"id": id, "date": "2026-04-02", "amount": "-12.34", "payee": "Device Cafe",
                      "category": null, "fingerprint": fp,
                      "created_at": "2026-04-02T10:00:00Z", "updated_at": "2026-04-02T10:00:00Z"});
    let r = s
        .post(
            "/sync/push",
            &u,
            json!({"mutations": [{"op_id": uuid::Uuid::new_v4(), "entity": "transaction",
                "id": id, "base_version": 0, "op": "upsert", "data": data}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["results"][0]["status"], "applied", "{}", r.text);
    let t = s.get(&format!("/transactions/{id}"), &u).await;
    assert_eq!(t.body["payee"], "Device Cafe");
    assert_eq!(t.body["user_id"], json!(u.id));
    // The same bank row from another device (another id, same fingerprint): refused.
    let id2 = uuid::Uuid::now_v7().to_string();
    let mut dup = data.clone();
    dup["id"] = json!(id2);
    let r = s
        .post(
            "/sync/push",
            &u,
            json!({"mutations": [{"op_id": uuid::Uuid::new_v4(), "entity": "transaction",
                "id": id2, "base_version": 0, "op": "upsert", "data": dup}]}),
        )
        .await;
    assert_eq!(r.body["results"][0]["status"], "rejected", "{}", r.text);
    assert!(
        r.body["results"][0]["error"]
            .as_str()
            .unwrap()
            .contains("fingerprint")
    );
    // Pulled like every record; a rule too.
    s.post(
        "/categories/rules",
        &u,
        json!({"match": {"field": "payee", "op": "equals", "value": "x"}, "category": "y"}),
    )
    .await;
    let p = s.get("/sync/pull", &u).await;
    let entities: Vec<&str> = p.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["entity"].as_str().unwrap())
        .collect();
    assert!(entities.contains(&"transaction"), "{}", p.text);
    assert!(entities.contains(&"category_rule"), "{}", p.text);
}

#[tokio::test]
async fn payees_and_amounts_are_not_readable_at_rest() {
    let s = Server::start().await;
    let u = s.register("tx-canary@example.com").await;
    add(
        &s,
        &u,
        "2026-01-05",
        "-8765.43",
        "Zzqcanary Payee",
        json!("canarycat"),
    )
    .await;
    import(
        &s,
        &u,
        b"Date,Description,Amount\n2026-01-06,Plughcanary Store,-4321.09\n",
        &[("account", "Frobozzcanary Account")],
    )
    .await;
    let bytes = match s.sqlite_path.clone() {
        Some(path) => {
            let mut bytes = std::fs::read(&path).unwrap();
            if let Ok(w) = std::fs::read(path.with_extension("db-wal")) {
                bytes.extend(w);
            }
            bytes
        }
        None => {
            use sqlx::{Connection, Row};
            let mut c = sqlx::AnyConnection::connect(&s.database_url).await.unwrap();
            let mut bytes = Vec::new();
            for table in ["record", "audit_event"] {
                let q = format!("select row_to_json(t)::text as j from {table} t");
                for row in sqlx::query(sqlx::AssertSqlSafe(q))
                    .fetch_all(&mut c)
                    .await
                    .unwrap()
                {
                    let j: String = row.try_get("j").unwrap();
                    bytes.extend(j.into_bytes());
                }
            }
            bytes
        }
    };
    assert!(bytes.len() > 1024);
    for needle in [
        "8765.43",
        "4321.09",
        "Zzqcanary",
        "canarycat",
        "Plughcanary",
        "Frobozzcanary",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "{needle} is readable in the database"
        );
    }
}
