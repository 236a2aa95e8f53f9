//! `crds/pythonsandboxpool.yaml` must be exactly what the Rust types generate.
//!
//! After changing the types, regenerate it with either of:
//!
//! ```sh
//! cargo run -p runner-operator -- crd > crds/pythonsandboxpool.yaml
//! UPDATE_GOLDEN=1 cargo nextest run -p runner-operator --test crd
//! ```

use std::path::PathBuf;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../crds/pythonsandboxpool.yaml")
}

#[test]
fn committed_crd_matches_the_types() {
    let generated = runner_operator::crd_yaml().expect("CRD serialises");
    let path = committed_path();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &generated).expect("write CRD");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{} is out of date with the Rust types; regenerate it with \
         `cargo run -p runner-operator -- crd > crds/pythonsandboxpool.yaml`",
        path.display()
    );
}

#[test]
fn generated_crd_parses_back_as_a_crd() {
    let generated = runner_operator::crd_yaml().unwrap();
    let crd: CustomResourceDefinition = serde_saphyr::from_str(&generated).expect("valid YAML");
    assert_eq!(crd.spec.group, "sandbox.runner.dev");
}
