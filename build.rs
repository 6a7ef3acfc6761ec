//! Embeds the fixture corpus (fixtures/cases/*.json) in the binary, so `dcrcheck run` sends
//! it wherever the binary is installed.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new("fixtures/cases");
    println!("cargo:rerun-if-changed=fixtures/cases");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("/// Every fixture file, as (file name, contents), sorted by name.\npub static FIXTURE_FILES: &[(&str, &str)] = &[\n");
    for n in &names {
        println!("cargo:rerun-if-changed=fixtures/cases/{n}");
        let _ = writeln!(
            out,
            "    ({n:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/fixtures/cases/{n}\"))),"
        );
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("fixtures.rs");
    std::fs::write(dest, out).expect("write fixtures.rs");
}
