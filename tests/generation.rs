//! proptest invariants of generation: every valid payload passes its profile's request
//! schema, and every mutated payload fails it where the mutation says.

use dcrcheck::generate::{self, valid, Plan, MUTATIONS};
use dcrcheck::profile::Profile;
use proptest::prelude::*;
use serde_json::Value;

fn errors(profile: Profile, v: &Value) -> Vec<String> {
    let schemas = profile.schemas().expect("schemas compile");
    schemas
        .request
        .iter_errors(v)
        .map(|e| e.instance_path().to_string())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn valid_payloads_validate_rfc7591(m in valid::metadata(Profile::Rfc7591, valid::Shape::Any)) {
        let v = Value::Object(m);
        prop_assert!(errors(Profile::Rfc7591, &v).is_empty(), "{}: {:?}", v, errors(Profile::Rfc7591, &v));
    }

    #[test]
    fn valid_payloads_validate_oidc(m in valid::metadata(Profile::Oidc, valid::Shape::Any)) {
        let v = Value::Object(m);
        prop_assert!(errors(Profile::Oidc, &v).is_empty(), "{}: {:?}", v, errors(Profile::Oidc, &v));
    }

    #[test]
    fn valid_payloads_validate_seed_v3(m in valid::metadata(Profile::SeedV3, valid::Shape::Any)) {
        let v = Value::Object(m);
        prop_assert!(errors(Profile::SeedV3, &v).is_empty(), "{}: {:?}", v, errors(Profile::SeedV3, &v));
    }

    #[test]
    fn mutated_payloads_fail_where_the_mutation_says(
        seed in any::<u64>(),
        pick in 0usize..1000,
        profile_index in 0usize..3,
    ) {
        let profile = Profile::ALL[profile_index];
        let applicable: Vec<_> = MUTATIONS.iter().filter(|m| m.applies_to(profile)).collect();
        let mutation = applicable[pick % applicable.len()];
        let mut runner = generate::runner_for(seed);
        let base = valid::metadata(profile, valid::Shape::Conservative)
            .new_tree(&mut runner)
            .expect("draw")
            .current();
        let case = mutation.apply(profile, 0, base, &mut runner);
        let body = match &case.request.body {
            generate::Body::Json(v) => v.clone(),
            other => panic!("mutations send JSON, got {other:?}"),
        };
        let found = errors(profile, &body);
        match mutation.invalid_at {
            None => prop_assert!(found.is_empty(), "{} must stay valid: {:?}", mutation.name, found),
            Some(at) => prop_assert!(
                found.iter().any(|p| p.starts_with(at)),
                "{} ({profile}) must fail at {at:?}, errors at {found:?}: {body}",
                mutation.name
            ),
        }
    }
}

#[test]
fn every_mutation_is_made_at_least_once_even_with_a_small_budget() {
    for profile in Profile::ALL {
        let cases = generate::cases(&Plan {
            profile: *profile,
            seed: 3,
            cases: 4,
            has_token: false,
        });
        for m in MUTATIONS.iter().filter(|m| m.applies_to(*profile)) {
            assert!(
                cases.iter().any(|c| c.mutation == Some(m.name)),
                "{profile}: mutation {} never made",
                m.name
            );
        }
    }
}

#[test]
fn the_same_seed_gives_the_same_cases() {
    let plan = Plan {
        profile: Profile::Oidc,
        seed: 1234,
        cases: 50,
        has_token: false,
    };
    let a = serde_json::to_string(&generate::cases(&plan)).expect("serialize");
    let b = serde_json::to_string(&generate::cases(&plan)).expect("serialize");
    assert_eq!(a, b);
    let other =
        serde_json::to_string(&generate::cases(&Plan { seed: 1235, ..plan })).expect("serialize");
    assert_ne!(a, other, "a different seed must give different cases");
}

/// A case's family is its id without the counter (what replay and explain group on).
#[test]
fn case_families_drop_the_counter_only() {
    use dcrcheck::generate::case_family;
    assert_eq!(
        case_family("mut-redirect-fragment-0031"),
        "mut-redirect-fragment"
    );
    assert_eq!(case_family("valid-0007"), "valid");
    assert_eq!(case_family("probe-baseline"), "probe-baseline");
}
