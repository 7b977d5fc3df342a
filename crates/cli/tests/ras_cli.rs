//! `selfdirect ras …` as a council officer runs it.

use std::process::Command;

fn selfdirect(data_dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_selfdirect")).arg("--data-dir").arg(data_dir).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn publish_uprate_recompute_calibrate_and_what_if() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (ok, out, err) = selfdirect(&data, &["demo", "--no-serve", "--people", "40"]);
    assert!(ok, "{err}");
    assert!(out.contains("DEMO1"));

    // A broken file is refused with its line, and changes nothing.
    let standard = include_str!("../../../questionnaires/standard-v1.toml");
    let bad = dir.path().join("bad-v2.toml");
    std::fs::write(&bad, standard.replace("version = 1", "version = 2").replace("id = \"risk\"", "id = \"risks\"")).unwrap();
    let (ok, _, err) = selfdirect(&data, &["ras", "publish", "--council", "DEMO1", bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.contains("refused, nothing changed") && err.contains("bad-v2.toml: domains[7].id (line ") && err.contains("'risks' is not a known domain"),
        "{err}"
    );

    let (ok, out, err) = selfdirect(&data, &["ras", "uprate", "--council", "DEMO1", "--percent", "2", "--recompute"]);
    assert!(ok, "{err}");
    assert!(out.contains("published standard version 2") && out.contains("recalculated 40 people under version 2: 40 up"), "{out}");

    let (ok, out, err) = selfdirect(&data, &["ras", "calibrate", "--council", "DEMO1"]);
    assert!(ok, "{err}");
    assert!(out.contains("fitted price per point") && out.contains("with fitted prices:"), "{out}");

    // Offline, from files.
    let packages = dir.path().join("packages.csv");
    let (ok, _, err) = selfdirect(&data, &["ras", "sample-packages", "--count", "2000", "--out", packages.to_str().unwrap()]);
    assert!(ok, "{err}");
    let proposed = dir.path().join("proposed.toml");
    std::fs::write(&proposed, standard.replace("pounds_per_point = \"270.00\"", "pounds_per_point = \"290.00\"")).unwrap();
    let (ok, out, err) = selfdirect(&data, &["ras", "what-if", "--packages", packages.to_str().unwrap(), "--proposed", proposed.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("worse off") && out.contains("0 worse off"), "{out}");
    let broken_csv = dir.path().join("broken.csv");
    std::fs::write(&broken_csv, "reference,client_group,annual_cost\nX,older_person,100\n").unwrap();
    let (ok, _, err) = selfdirect(&data, &["ras", "calibrate", "--packages", broken_csv.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("line 1: the header row has no column for question 'washing_dressing_toilet'"), "{err}");
}
