//! `selfdirect ras …` and `selfdirect bench ras`: the RAS from the command line.

use anyhow::{bail, Context};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use selfdirect_domain::assessment::Questionnaire;
use selfdirect_domain::export::SafeCsv;
use selfdirect_domain::person::ClientGroup;
use selfdirect_domain::ras::calibration::{evaluate, fit_prices, parse_packages, what_if, Evaluation, Package};
use selfdirect_domain::ras::CompiledRules;
use selfdirect_domain::Money;
use selfdirect_store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum RasCommand {
    /// Publish a questionnaire file (questions and allocation rules) for a council.
    /// It must be valid and carry a higher version than the one in force.
    Publish {
        #[arg(long)]
        council: String,
        file: PathBuf,
    },
    /// Publish the next version with every amount of money raised by a percentage.
    Uprate {
        #[arg(long)]
        council: String,
        /// e.g. 3.5 for 3.5%
        #[arg(long, allow_hyphen_values = true)]
        percent: String,
        /// Recalculate everyone's indicative budget afterwards.
        #[arg(long)]
        recompute: bool,
    },
    /// Recalculate every person's indicative budget under the council's rules in force,
    /// reporting who changes by how much.
    Recompute {
        #[arg(long)]
        council: String,
        /// Write every change to this CSV file.
        #[arg(long)]
        changes_csv: Option<PathBuf>,
    },
    /// Fit the price per point of each band to actual care package costs.
    /// Packages come from a CSV file (reference,client_group,annual_cost,<question ids…>)
    /// or, with --council and no --packages, from the council's approved plans.
    Calibrate {
        #[command(flatten)]
        population: Population,
    },
    /// Try a proposed questionnaire file's rules on a population before publishing it.
    WhatIf {
        #[arg(long)]
        proposed: PathBuf,
        #[command(flatten)]
        population: Population,
    },
    /// Write a synthetic care-package CSV (for trying calibrate and what-if).
    SamplePackages {
        #[arg(long, default_value_t = 10_000)]
        count: usize,
        #[arg(long, default_value_t = 2011)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
}

/// Where the care packages come from.
#[derive(clap::Args, Debug)]
pub struct Population {
    /// Use this council's approved plans (when --packages is not given).
    #[arg(long)]
    pub council: Option<String>,
    /// A CSV file: reference,client_group,annual_cost,<one column per question id>.
    #[arg(long)]
    pub packages: Option<PathBuf>,
    /// The questionnaire the packages' answers belong to (default: the council's, or the standard one).
    #[arg(long)]
    pub questionnaire: Option<PathBuf>,
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn load_questionnaire(path: &Path) -> anyhow::Result<Questionnaire> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    Ok(Questionnaire::from_toml(&name, &read(path)?)?)
}

fn explain(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(p) => {
            anyhow::anyhow!("refused, nothing changed:\n  {}", p.as_slice().iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "))
        }
        other => other.into(),
    }
}

fn bar(len: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta} left)").expect("valid template").progress_chars("=> "));
    bar.set_message(message);
    bar
}

/// The population to calibrate or try rules on, and the questionnaire its answers belong to.
async fn population(store: Option<&Store>, from: &Population) -> anyhow::Result<(Questionnaire, Vec<Package>)> {
    let (council, packages, questionnaire) = (from.council.as_deref(), from.packages.as_deref(), from.questionnaire.as_deref());
    let q = match (questionnaire, council, store) {
        (Some(path), _, _) => load_questionnaire(path)?,
        (None, Some(code), Some(store)) => store.current_questionnaire(store.council_by_code(code).await?.id).await?,
        _ => Questionnaire::standard(),
    };
    let packages = match (packages, council, store) {
        (Some(path), _, _) => parse_packages(&read(path)?, &q).map_err(|p| {
            anyhow::anyhow!("{} has problems:\n  {}", path.display(), p.as_slice().iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  "))
        })?,
        (None, Some(code), Some(store)) => store.packages(store.council_by_code(code).await?.id, &q).await?,
        _ => bail!("give --packages FILE.csv, or --council CODE to use the council's approved plans"),
    };
    Ok((q, packages))
}

fn print_evaluation(title: &str, e: &Evaluation) {
    println!("{title}");
    println!("  {:<22} {:>8} {:>18} {:>18} {:>9} {:>9}", "group", "people", "actual", "predicted", ">10% over", ">10% under");
    for g in e.by_group.iter().chain(std::iter::once(&e.all)) {
        println!(
            "  {:<22} {:>8} {:>18} {:>18} {:>9} {:>9}",
            g.group,
            g.people,
            g.actual.to_string(),
            g.predicted.to_string(),
            g.over_by_more_than_10_percent,
            g.under_by_more_than_10_percent
        );
    }
    println!("  {}% more than 10% over, {}% more than 10% under", e.percent_over, e.percent_under);
    println!("  cost of moving everyone to these rules: {}", e.cost_of_moving_everyone);
}

pub async fn run(store: Option<&Store>, command: RasCommand) -> anyhow::Result<()> {
    let need_store = || store.context("this command needs the database");
    match command {
        RasCommand::Publish { council, file } => {
            let store = need_store()?;
            let c = store.council_by_code(&council).await?;
            let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let q = store.publish_questionnaire(c.id, &name, &read(&file)?).await.map_err(explain)?;
            println!("published {} version {} for {}", q.id, q.version, c.name);
        }
        RasCommand::Uprate { council, percent, recompute } => {
            let store = need_store()?;
            let c = store.council_by_code(&council).await?;
            let q = store.uprate(c.id, &percent).await.map_err(explain)?;
            println!("published {} version {}: every amount raised by {percent}%", q.id, q.version);
            if recompute {
                recompute_council(store, &c.id.to_string(), None).await?;
            }
        }
        RasCommand::Recompute { council, changes_csv } => {
            let store = need_store()?;
            let c = store.council_by_code(&council).await?;
            recompute_council(store, &c.id.to_string(), changes_csv.as_deref()).await?;
        }
        RasCommand::Calibrate { population: from } => {
            let (q, packages) = population(store, &from).await?;
            let compiled = CompiledRules::new(&q);
            let fit = fit_prices(&compiled, &q.allocation.bands, &packages)?;
            println!("{} packages, questionnaire {} version {}", packages.len(), q.id, q.version);
            println!("fitted price per point (R² {}):", fit.r_squared);
            for (band, now) in fit.bands.iter().zip(&q.allocation.bands) {
                let range = band.to_points.map(|t| format!("{}–{}", band.from_points, t)).unwrap_or_else(|| format!("{}+", band.from_points));
                println!("  points {range:<10} {} (now {})", band.pounds_per_point, now.pounds_per_point);
            }
            for b in &fit.bands_without_data {
                println!("  band {} had no packages: its price is unchanged", b + 1);
            }
            print_evaluation("rules in force:", &evaluate(&compiled, &packages));
            let mut fitted = q.allocation.clone();
            fitted.bands = fit.bands;
            print_evaluation("with fitted prices:", &evaluate(&CompiledRules::with_rules(&q, &fitted), &packages));
        }
        RasCommand::WhatIf { proposed, population: from } => {
            let (q, packages) = population(store, &from).await?;
            let proposed = load_questionnaire(&proposed)?;
            let w = what_if(&CompiledRules::new(&q), &CompiledRules::with_rules(&q, &proposed.allocation), &packages);
            print_evaluation("rules in force:", &w.current);
            print_evaluation("proposed rules:", &w.proposed);
            println!("{} better off, {} worse off, {} unchanged; total change {}", w.people_better_off, w.people_worse_off, w.people_unchanged, w.total_change);
            for c in w.largest_changes.iter().take(10) {
                println!("  {:<20} {} → {} ({})", c.reference, c.current, c.proposed, c.change);
            }
        }
        RasCommand::SamplePackages { count, seed, out } => {
            let q = Questionnaire::standard();
            let packages = synthetic_packages(&q, count, seed);
            let mut w = SafeCsv::new(csv::Writer::from_path(&out).with_context(|| format!("cannot write {}", out.display()))?);
            let questions: Vec<_> = q.questions().map(|(_, qu)| qu).collect();
            let mut header = vec!["reference".to_string(), "client_group".into(), "annual_cost".into()];
            header.extend(questions.iter().map(|qu| qu.id.clone()));
            w.write_record(&header)?;
            for p in &packages {
                let mut row = vec![p.reference.clone(), p.group.code().to_string(), p.actual.to_plain_string()];
                row.extend(questions.iter().zip(&p.answers).map(|(qu, a)| qu.options[*a as usize].id.clone()));
                w.write_record(&row)?;
            }
            w.flush()?;
            println!("wrote {count} synthetic care packages to {}", out.display());
        }
    }
    Ok(())
}

async fn recompute_council(store: &Store, council_id: &str, changes_csv: Option<&Path>) -> anyhow::Result<()> {
    let progress = bar(0, "recalculating");
    let report = store
        .recompute(council_id.parse()?, &|done, total| {
            progress.set_length(total);
            progress.set_position(done);
        })
        .await?;
    progress.finish_and_clear();
    println!(
        "recalculated {} people under version {}: {} up, {} down, {} unchanged, {} need a new assessment",
        report.people,
        report.questionnaire_version,
        report.increased,
        report.decreased,
        report.unchanged,
        report.needs_reassessment.len()
    );
    println!("indicative budgets in total: {} before, {} after ({})", report.total_before, report.total_after, report.total_after - report.total_before);
    for c in report.changes.iter().take(10) {
        println!("  {:<30} {} → {} ({})", c.person_name, c.before, c.after, c.change);
    }
    if let Some(path) = changes_csv {
        let mut w = SafeCsv::new(csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?);
        w.write_record(["person_id", "person_name", "before", "after", "change"])?;
        for c in &report.changes {
            w.write_record([
                c.person_id.to_string(),
                c.person_name.clone(),
                c.before.to_plain_string(),
                c.after.to_plain_string(),
                c.change.to_plain_string(),
            ])?;
        }
        w.flush()?;
        println!("every change written to {}", path.display());
    }
    Ok(())
}

/// Synthetic care packages: random answers, and an actual cost within 20% either way of
/// what the standard rules give, as a real council's packages scatter around its RAS.
pub fn synthetic_packages(q: &Questionnaire, count: usize, seed: u64) -> Vec<Package> {
    let rules = CompiledRules::new(q);
    let counts = rules.option_counts();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            let answers: Vec<u8> = counts.iter().map(|c| rng.gen_range(0..*c) as u8).collect();
            let group = ClientGroup::ALL[rng.gen_range(0..ClientGroup::ALL.len())];
            let indicative = rules.total(&answers, group).pence();
            let actual = indicative * rng.gen_range(80..=120) / 100;
            Package { reference: format!("P{i:07}"), group, answers, actual: Money::from_pence(actual) }
        })
        .collect()
}

/// `selfdirect bench ras`: the RAS over a synthetic population, timed on one core.
pub fn bench(assessments: usize, seed: u64) -> anyhow::Result<()> {
    let q = Questionnaire::standard();
    println!("generating {assessments} synthetic assessments (not timed)…");
    let packages = synthetic_packages(&q, assessments, seed);
    let rules = CompiledRules::new(&q);

    let started = Instant::now();
    let mut total = 0i64;
    for p in &packages {
        total += rules.total(&p.answers, p.group).pence();
    }
    let ras_time = started.elapsed();
    std::hint::black_box(total);

    let started = Instant::now();
    let fit = fit_prices(&rules, &q.allocation.bands, &packages)?;
    let fit_time = started.elapsed();

    let started = Instant::now();
    let evaluation = evaluate(&rules, &packages);
    let evaluate_time = started.elapsed();

    // The baseline: what a typical implementation does per assessment — score the answers
    // as typed (question id → answer id) and work the allocation out with its explanation.
    // On a sample (the typed answers are made untimed), and checked to give the same totals.
    let sample = &packages[..packages.len().min(100_000)];
    let questions: std::collections::BTreeMap<&str, &selfdirect_domain::assessment::Question> =
        q.questions().map(|(_, question)| (question.id.as_str(), question)).collect();
    let typed: Vec<std::collections::BTreeMap<String, String>> = sample
        .iter()
        .map(|p| rules.question_ids().iter().zip(&p.answers).map(|(id, &i)| (id.clone(), questions[id.as_str()].options[usize::from(i)].id.clone())).collect())
        .collect();
    let started = Instant::now();
    let mut baseline_totals = Vec::with_capacity(sample.len());
    for (p, answers) in sample.iter().zip(&typed) {
        let scores = q.score(answers).map_err(|e| anyhow::anyhow!("{e}"))?;
        baseline_totals.push(selfdirect_domain::ras::allocate(&q.allocation, &scores, p.group).total);
    }
    let baseline_time = started.elapsed();
    anyhow::ensure!(
        sample.iter().zip(&baseline_totals).all(|(p, t)| rules.total(&p.answers, p.group) == *t),
        "the compiled RAS and the explained one disagree"
    );

    let rate = |d: std::time::Duration| (assessments as f64 / d.as_secs_f64()) as u64;
    let baseline_rate = (sample.len() as f64 / baseline_time.as_secs_f64()) as u64;
    println!("{:<44} {:>10} {:>16}", "operation", "seconds", "per second");
    println!("{:<44} {:>10.3} {:>16}", format!("baseline: score + explained RAS, {} typed", sample.len()), baseline_time.as_secs_f64(), baseline_rate);
    println!("{:<44} {:>10.3} {:>16}", format!("RAS: indicative budgets for {assessments}"), ras_time.as_secs_f64(), rate(ras_time));
    println!("{:<44} {:>10} {:>15}x", "ratio (compiled RAS against the baseline)", "", rate(ras_time) / baseline_rate.max(1));
    println!("{:<44} {:>10.3} {:>16}", format!("calibration: fit band prices over {assessments}"), fit_time.as_secs_f64(), rate(fit_time));
    println!("{:<44} {:>10.3} {:>16}", format!("calibration: evaluate rules over {assessments}"), evaluate_time.as_secs_f64(), rate(evaluate_time));
    println!(
        "(sum of budgets {}; fitted prices {}; R² {}; {} over / {} under by >10%)",
        Money::from_pence(total),
        fit.bands.iter().map(|b| b.pounds_per_point.to_string()).collect::<Vec<_>>().join(", "),
        fit.r_squared,
        evaluation.all.over_by_more_than_10_percent,
        evaluation.all.under_by_more_than_10_percent
    );
    Ok(())
}
