//! The fixture corpus: every file parses, and its body is what its sidecar says it is under
//! each listed profile's request schema.

use dcrcheck::generate::fixtures;
use dcrcheck::profile::Profile;
use serde_json::Value;

#[test]
fn corpus_has_at_least_60_fixtures_and_all_parse() {
    let all = fixtures::all().unwrap_or_else(|e| panic!("{e}"));
    assert!(all.len() >= 60, "only {} fixtures", all.len());
}

#[test]
fn every_fixture_matches_its_schema_status_in_each_profile() {
    let mut wrong = Vec::new();
    for f in fixtures::all().unwrap_or_else(|e| panic!("{e}")) {
        let body = f.body_bytes().expect("body");
        let parsed = serde_json::from_str::<Value>(&body);
        // serde_json stops at 128 levels; deeper (valid) JSON cannot be schema-checked here.
        if parsed
            .as_ref()
            .is_err_and(|e| e.to_string().contains("recursion limit"))
        {
            assert_eq!(f.schema, "valid", "{}", f.name);
            continue;
        }
        let parsed: Option<Value> = parsed.ok().filter(Value::is_object);
        for p in Profile::ALL.iter().filter(|p| f.applies_to(**p)) {
            let schemas = p.schemas().expect("schemas");
            let errors: Vec<String> = parsed
                .as_ref()
                .map(|v| {
                    schemas
                        .request
                        .iter_errors(v)
                        .map(|e| e.instance_path().to_string())
                        .collect()
                })
                .unwrap_or_default();
            let ok = match f.schema.as_str() {
                "valid" => parsed.is_some() && errors.is_empty(),
                "invalid" => {
                    let at = f.invalid_at.as_deref().unwrap_or("");
                    parsed.is_some() && errors.iter().any(|e| e.starts_with(at))
                }
                _ => parsed.is_none(),
            };
            if !ok {
                wrong.push(format!(
                    "{} under {p}: says {}, schema errors at {errors:?}",
                    f.name, f.schema
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn fixtures_run_after_the_probes_and_before_generated_cases() {
    let plan = dcrcheck::generate::Plan {
        profile: Profile::Rfc7591,
        seed: 1,
        cases: 10,
        has_token: false,
    };
    let cases = dcrcheck::generate::cases(&plan);
    let first_fixture = cases
        .iter()
        .position(|c| c.id.starts_with("fixture-"))
        .expect("fixtures are sent");
    let last_probe = cases
        .iter()
        .rposition(|c| c.id.starts_with("probe-") && c.id != "probe-get-endpoint")
        .expect("probes");
    let first_generated = cases
        .iter()
        .position(|c| c.id.starts_with("valid-") || c.id.starts_with("mut-"))
        .expect("generated");
    assert!(last_probe < first_fixture && first_fixture < first_generated);
}
