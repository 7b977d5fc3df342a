//! Crash injection: a payment run is killed part way (SIGKILL, no chance to tidy up),
//! then run again. Everyone due a payment is paid exactly once, and the ledger balances.

use selfdirect_store::Store;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn selfdirect(data_dir: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_selfdirect")).arg("--data-dir").arg(data_dir).args(args).output().unwrap();
    assert!(out.status.success(), "selfdirect {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The payment count and total on the line starting `prefix` of the CLI's output, e.g. "would pay 122 payments totalling £161,100.09".
fn figures(out: &str, prefix: &str) -> (i64, String) {
    let line = out.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("no line starting '{prefix}' in:\n{out}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    let count = words[words.iter().position(|w| *w == "payments").unwrap() - 1].parse().unwrap();
    let total = words[words.iter().position(|w| *w == "totalling").unwrap() + 1].to_string();
    (count, total)
}

#[test]
fn a_killed_payment_run_resumes_and_pays_everyone_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    selfdirect(&data, &["demo", "--no-serve", "--people", "120", "--seed", "7"]);
    let period = time::OffsetDateTime::now_utc().date().to_string();
    let preview = selfdirect(&data, &["payments", "preview", "--council", "DEMO1", "--period-start", &period]);
    let (due_count, due_total) = figures(&preview, "would pay");
    assert!(due_count > 20, "the demo should have plenty to pay:\n{preview}");

    // Small batches with a pause, so the kill lands between commits or inside one.
    let mut child = Command::new(env!("CARGO_BIN_EXE_selfdirect"))
        .arg("--data-dir")
        .arg(&data)
        .args(["payments", "run", "--council", "DEMO1", "--period-start", &period, "--batch-size", "4", "--pause-ms", "150"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut committed = 0;
    while committed < 3 {
        let line = lines.next().expect("the run ended before it could be killed").unwrap();
        if line.starts_with("batch committed") {
            committed += 1;
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let partial = runtime.block_on(async {
        let store = Store::open_data_dir(&data).await.unwrap();
        let council = store.council_by_code("DEMO1").await.unwrap();
        let run = store.payment_run_for_period(council.id, &period).await.unwrap();
        store.close().await;
        run
    });
    assert_eq!(partial.status, "in_progress");
    assert!(partial.payments > 0 && partial.payments < due_count, "killed part way: {} of {due_count} paid", partial.payments);

    let rerun = selfdirect(&data, &["payments", "run", "--council", "DEMO1", "--period-start", &period]);
    assert!(rerun.contains("is completed"), "{rerun}");
    assert_eq!(figures(&rerun, "paid"), (due_count, due_total.clone()), "{rerun}");
    // A third run changes nothing.
    let third = selfdirect(&data, &["payments", "run", "--council", "DEMO1", "--period-start", &period]);
    assert_eq!(figures(&third, "paid"), (due_count, due_total));

    runtime.block_on(async {
        let store = Store::open_data_dir(&data).await.unwrap();
        let council = store.council_by_code("DEMO1").await.unwrap();
        let cid = council.id;
        let run = store.payment_run_for_period(cid, &period).await.unwrap();
        let items = store.payment_run_items(run.run_id).await.unwrap();
        assert_eq!(items.len() as i64, due_count);
        // One ledger entry per payment, and each payee of each account paid once.
        let mut payees: Vec<_> = items.iter().map(|i| (i.budget_account_id, i.stream.clone(), i.payee_name.clone())).collect();
        payees.sort();
        payees.dedup();
        assert_eq!(payees.len(), items.len());
        let run_entries = store.run_entry_count(run.run_id).await.unwrap();
        assert_eq!(run_entries, due_count);
        let trial = store.trial_balance(cid).await.unwrap();
        assert_eq!(trial.sum_of_postings, selfdirect_domain::Money::ZERO);
        assert_eq!(trial.unbalanced_entries, 0);
        store.close().await;
    });

    // The bank file of the finished run carries every payment.
    let file = dir.path().join("run.txt");
    let out = selfdirect(&data, &["payments", "file", "--council", "DEMO1", "--period-start", &period, "--out", file.to_str().unwrap()]);
    assert!(out.contains("wrote the standard18 file"), "{out}");
    let checked = selfdirect_domain::money::payment_files::check_standard18(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(checked.total.to_string(), figures(&third, "paid").1);
}
