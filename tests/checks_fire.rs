//! Every check fires on a server that breaks its rule: a real reference server with one
//! deliberate defect, or a run configured against the wrong server.

use dcrcheck::checks::CHECKS;
use dcrcheck::profile::Profile;
use dcrcheck::run::{RunConfig, TargetSpec};
use dcrcheck::server::{self, Defect, ServerConfig};

use crate::support::run_against_server;

/// The defect (and profile) that makes each check fire.
const TRIGGERS: &[(&str, Defect, Profile)] = &[
    (
        "valid_request_is_registered",
        Defect::RejectUnknownMembers,
        Profile::Rfc7591,
    ),
    (
        "invalid_request_is_not_registered",
        Defect::AcceptFragmentRedirect,
        Profile::Rfc7591,
    ),
    (
        "refusal_uses_expected_status",
        Defect::ErrorStatus422,
        Profile::Rfc7591,
    ),
    (
        "refusal_uses_expected_error_code",
        Defect::UnknownErrorCode,
        Profile::Rfc7591,
    ),
    (
        "no_server_error",
        Defect::Status500OnMalformedJson,
        Profile::Rfc7591,
    ),
    (
        "every_request_gets_a_response",
        Defect::DropConnection,
        Profile::Rfc7591,
    ),
    (
        "no_redirect_response",
        Defect::RedirectOnSuccess,
        Profile::Rfc7591,
    ),
    (
        "cors_preflight_allows_origin",
        Defect::NoCors,
        Profile::Oidc,
    ),
    ("success_status_is_201", Defect::Status200, Profile::Rfc7591),
    (
        "success_body_is_json_object",
        Defect::JsonContentTypeMissing,
        Profile::Rfc7591,
    ),
    (
        "client_id_is_nonempty_string",
        Defect::NoClientId,
        Profile::Rfc7591,
    ),
    (
        "secret_expiry_present_when_secret_issued",
        Defect::NoSecretExpiry,
        Profile::Rfc7591,
    ),
    (
        "issued_at_is_seconds_near_now",
        Defect::IssuedAtMillis,
        Profile::Rfc7591,
    ),
    (
        "registered_members_are_returned",
        Defect::DropRegisteredMember,
        Profile::Rfc7591,
    ),
    (
        "redirect_uris_echoed_as_sent",
        Defect::StripRedirectQuery,
        Profile::Rfc7591,
    ),
    (
        "jwks_and_jwks_uri_never_both",
        Defect::AcceptJwksAndJwksUri,
        Profile::Rfc7591,
    ),
    (
        "secret_matches_auth_method",
        Defect::SecretForPublicClient,
        Profile::Rfc7591,
    ),
    (
        "defaults_are_returned",
        Defect::OmitDefaults,
        Profile::Rfc7591,
    ),
    (
        "grant_types_use_standard_names",
        Defect::CamelCaseGrantTypes,
        Profile::Rfc7591,
    ),
    (
        "management_credentials_come_as_a_pair",
        Defect::ManagementTokenWithoutUri,
        Profile::Oidc,
    ),
    (
        "credentials_are_not_cached",
        Defect::NoCacheControl,
        Profile::Rfc7591,
    ),
    (
        "success_body_matches_schema",
        Defect::ScopeAsArray,
        Profile::Rfc7591,
    ),
    ("error_is_json_object", Defect::HtmlErrors, Profile::Rfc7591),
    (
        "error_code_is_ascii_string",
        Defect::NonAsciiError,
        Profile::Rfc7591,
    ),
    (
        "error_body_has_no_client_id",
        Defect::ClientIdInError,
        Profile::Rfc7591,
    ),
    (
        "error_without_success_status",
        Defect::ErrorStatus200,
        Profile::Rfc7591,
    ),
    (
        "error_body_matches_schema",
        Defect::NonAsciiErrorDescription,
        Profile::Rfc7591,
    ),
    (
        "client_ids_are_unique",
        Defect::SharedClientId,
        Profile::Rfc7591,
    ),
    (
        "client_secrets_are_unique",
        Defect::SharedSecret,
        Profile::Rfc7591,
    ),
    (
        "registration_is_self_consistent",
        Defect::CamelCaseGrantTypes,
        Profile::Rfc7591,
    ),
    (
        "client_secrets_have_128_bits",
        Defect::ShortSecret,
        Profile::Rfc7591,
    ),
    (
        "endpoint_get_exposes_no_clients",
        Defect::ListClientsOnGet,
        Profile::Rfc7591,
    ),
    (
        "client_id_is_not_chosen_by_client",
        Defect::HonourClientId,
        Profile::Rfc7591,
    ),
    (
        "registered_values_are_advertised",
        Defect::AdvertiseFewerAuthMethods,
        Profile::Rfc7591,
    ),
    (
        "issued_credentials_work",
        Defect::TokenRejectsIssuedSecret,
        Profile::Rfc7591,
    ),
    (
        "wrong_client_secret_is_refused",
        Defect::TokenAcceptsWrongSecret,
        Profile::Rfc7591,
    ),
    // RFC 7592: the management conversation.
    (
        "management_credentials_come_together",
        Defect::ManagementTokenWithoutUri,
        Profile::Rfc7591,
    ),
    (
        "client_read_returns_its_metadata",
        Defect::ReadDropsRedirectUris,
        Profile::Rfc7591,
    ),
    (
        "configuration_endpoint_requires_the_clients_token",
        Defect::ManagementIgnoresToken,
        Profile::Rfc7591,
    ),
    (
        "unknown_client_gets_401",
        Defect::Management404UnknownClient,
        Profile::Rfc7591,
    ),
    (
        "update_replaces_the_metadata",
        Defect::UpdateMergesMetadata,
        Profile::Rfc7591,
    ),
    (
        "update_keeps_server_issued_identifiers",
        Defect::UpdateAdoptsClientSecret,
        Profile::Rfc7591,
    ),
    (
        "update_cannot_set_the_registration_token",
        Defect::UpdateAcceptsRegistrationToken,
        Profile::Rfc7591,
    ),
    (
        "update_refuses_or_replaces_invalid_values",
        Defect::UpdateAcceptsFragmentRedirect,
        Profile::Rfc7591,
    ),
    (
        "delete_answers_204",
        Defect::DeleteReturns200,
        Profile::Rfc7591,
    ),
    (
        "deleted_client_token_is_revoked",
        Defect::DeleteKeepsClient,
        Profile::Rfc7591,
    ),
    // TLS defects: `run_against_server` serves these over TLS.
    (
        "endpoint_requires_tls",
        Defect::PlaintextOnTlsPort,
        Profile::Rfc7591,
    ),
    (
        "tls12_handshake_succeeds",
        Defect::Tls13Only,
        Profile::Rfc7591,
    ),
    (
        "discovery_advertises_https_registration_endpoint",
        Defect::DiscoveryHttpRegistrationEndpoint,
        Profile::Rfc7591,
    ),
    (
        "trusted_statement_claims_take_precedence",
        Defect::StatementJsonWins,
        Profile::Rfc7591,
    ),
    (
        "used_statement_is_echoed_unchanged",
        Defect::StatementEchoAltered,
        Profile::Rfc7591,
    ),
    (
        "metadata_issuer_matches_its_url",
        Defect::MetadataIssuerMismatch,
        Profile::Rfc7591,
    ),
    (
        "metadata_endpoints_use_https",
        Defect::MetadataHttpTokenEndpoint,
        Profile::Rfc7591,
    ),
    (
        "advertised_values_are_accepted",
        Defect::RefuseAdvertisedAuthMethod,
        Profile::Rfc7591,
    ),
    (
        "expired_secret_is_refused",
        Defect::TokenAcceptsExpiredSecret,
        Profile::Rfc7591,
    ),
    (
        "mcp_endpoint_points_to_its_metadata",
        Defect::McpEndpointOpen,
        Profile::Rfc7591,
    ),
    (
        "protected_resource_metadata_names_its_servers",
        Defect::McpNoAuthorizationServers,
        Profile::Rfc7591,
    ),
    (
        "authorization_server_metadata_is_where_clients_look",
        Defect::McpOtherIssuer,
        Profile::Rfc7591,
    ),
    (
        "authorization_server_offers_s256",
        Defect::McpNoS256,
        Profile::Rfc7591,
    ),
    (
        "mcp_client_registers_as_a_public_client_without_a_token",
        Defect::McpRefusePublicClients,
        Profile::Rfc7591,
    ),
    (
        "authorization_server_endpoints_use_https",
        Defect::McpHttpAuthorizationEndpoint,
        Profile::Rfc7591,
    ),
    (
        "authorization_endpoint_never_redirects_to_an_unregistered_uri",
        Defect::AuthorizeErrorsToAnyRedirect,
        Profile::Rfc7591,
    ),
    (
        "authorization_endpoint_allows_any_loopback_port",
        Defect::AuthorizeExactLoopbackPort,
        Profile::Rfc7591,
    ),
    (
        "authorization_endpoint_requires_s256",
        Defect::AuthorizeWithoutPkce,
        Profile::Rfc7591,
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_fires_on_the_defect_that_breaks_its_rule() {
    let mut silent = Vec::new();
    for (check, defect, profile) in TRIGGERS {
        let report = run_against_server(*profile, 11, 60, &[*defect]).await;
        if !report.findings.iter().any(|f| f.check == *check) {
            silent.push(format!("{check} silent on {}", defect.name()));
        }
        let clean = run_against_server(*profile, 11, 60, &[]).await;
        assert!(
            !clean.findings.iter().any(|f| f.check == *check),
            "{check} fires on the clean server"
        );
    }
    assert!(silent.is_empty(), "{silent:#?}");
}

#[test]
fn every_check_has_a_trigger() {
    for c in CHECKS {
        let covered = TRIGGERS.iter().any(|(name, _, _)| *name == c.name)
            || c.name == "unauthorized_without_valid_token";
        assert!(covered, "check {} has no test that makes it fire", c.name);
    }
}

/// A run that holds a token against a server that does not ask for one: the token probes
/// get registered, which the check reports.
#[tokio::test]
async fn unauthorized_without_valid_token_fires_when_tokens_are_not_enforced() {
    let server = server::start(([127, 0, 0, 1], 0).into(), ServerConfig::default())
        .await
        .expect("server");
    let mut config = RunConfig::new(Profile::Rfc7591, 3);
    config.cases = 20;
    config.token = Some("some-token".into());
    config.target = TargetSpec::Url(server.registration_url().parse().expect("url"));
    let report = dcrcheck::run::run(&config, &mut |_| {}).await.expect("run");
    server.shutdown().await;
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.check == "unauthorized_without_valid_token" && f.requirement == "R7591-3-d"),
        "{:#?}",
        report.findings.iter().map(|f| &f.title).collect::<Vec<_>>()
    );
}
