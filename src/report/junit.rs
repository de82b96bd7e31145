//! JUnit XML: one `<testsuite>` per profile, one `<testcase>` per case (classname = profile and
//! group), `<failure>`/`<error>` with the rendered evidence, `<skipped>` with the reason, and
//! per-case `<properties>` (spec, level, source). junit-report writes the file; the properties,
//! which it does not support, are added by a streaming pass over its output.

use std::collections::BTreeMap;

use junit_report::{ReportBuilder, TestCase, TestCaseBuilder, TestSuiteBuilder};
use quick_xml::events::{BytesEnd, BytesStart, Event};

use super::{CaseRecord, render_outcome, xml_safe};
use crate::redact::Redactor;
use crate::verdict::Verdict;

fn duration(d: std::time::Duration) -> junit_report::Duration {
    junit_report::Duration::try_from(d).unwrap_or(junit_report::Duration::ZERO)
}

fn testcase(r: &CaseRecord, redactor: &Redactor) -> TestCase {
    let name = xml_safe(&r.id);
    let d = duration(r.outcome.duration);
    let text = xml_safe(&render_outcome(r, redactor));
    let first = r
        .outcome
        .findings
        .first()
        .map(|f| format!("{}: {}", f.check, f.message))
        .unwrap_or_default();
    let message = xml_safe(&redactor.redact(&first));
    let mut tc = match &r.outcome.verdict {
        Verdict::Pass | Verdict::XFail => TestCaseBuilder::success(&name, d).build(),
        Verdict::Warn => {
            let mut b = TestCaseBuilder::success(&name, d);
            b.set_system_out(&text);
            b.build()
        }
        Verdict::Fail | Verdict::XPass => {
            let mut b = TestCaseBuilder::failure(&name, d, r.outcome.verdict.label(), &message);
            b.set_trace(&text);
            b.build()
        }
        Verdict::Error => {
            let mut b = TestCaseBuilder::error(&name, d, "ERROR", &message);
            b.set_trace(&text);
            b.build()
        }
        Verdict::Inconclusive(reason) => {
            let reason = xml_safe(&redactor.redact(reason));
            let mut b = TestCaseBuilder::skipped_with_cause(&name, "INCONCLUSIVE", &reason);
            b.set_system_out(&text);
            b.build()
        }
        Verdict::Skip(reason) => {
            let reason = xml_safe(&redactor.redact(reason));
            TestCaseBuilder::skipped_with_cause(&name, "SKIP", &reason).build()
        }
    };
    tc.set_classname(&xml_safe(&r.classname()));
    tc
}

/// Writes the JUnit file for the records (in id order, so the file is stable across runs).
pub fn write_junit(path: &std::path::Path, records: &[CaseRecord], redactor: &Redactor) -> anyhow::Result<()> {
    let mut by_profile: BTreeMap<&str, Vec<&CaseRecord>> = BTreeMap::new();
    for r in records {
        by_profile.entry(&r.profile).or_default().push(r);
    }
    let mut report = ReportBuilder::new();
    for (profile, mut rs) in by_profile {
        rs.sort_by(|a, b| a.id.cmp(&b.id));
        let mut suite = TestSuiteBuilder::new(&xml_safe(profile));
        suite.add_testcases(rs.iter().map(|r| testcase(r, redactor)));
        report.add_testsuite(suite.build());
    }
    let mut raw = Vec::new();
    report
        .build()
        .write_xml(&mut raw)
        .map_err(|e| anyhow::anyhow!("cannot render JUnit XML: {e}"))?;
    let props: BTreeMap<String, Vec<(&str, String)>> = records
        .iter()
        .map(|r| {
            let p = vec![
                ("spec", redactor.redact(&r.spec)),
                ("level", r.level.as_str().to_string()),
                ("requirements", r.requirements.join(" ")),
                ("verdict", r.outcome.verdict.label().to_string()),
                ("source", r.source.clone()),
            ];
            (xml_safe(&r.id), p)
        })
        .collect();
    let xml = add_properties(&raw, &props)?;
    std::fs::write(path, xml).map_err(|e| anyhow::anyhow!("cannot write JUnit report {}: {e}", path.display()))
}

/// Inserts `<properties>` as the first child of each `<testcase name=…>` found in `props`.
fn add_properties(xml: &[u8], props: &BTreeMap<String, Vec<(&str, String)>>) -> anyhow::Result<Vec<u8>> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut writer = quick_xml::Writer::new(Vec::new());
    let mut buf = Vec::new();
    let name_of = |e: &BytesStart| -> Option<String> {
        e.try_get_attribute("name").ok().flatten().and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
    };
    let write_props = |w: &mut quick_xml::Writer<Vec<u8>>, list: &[(&str, String)]| -> anyhow::Result<()> {
        w.write_event(Event::Start(BytesStart::new("properties")))?;
        for (k, v) in list {
            let mut p = BytesStart::new("property");
            p.push_attribute(("name", *k));
            p.push_attribute(("value", xml_safe(v).as_str()));
            w.write_event(Event::Empty(p))?;
        }
        w.write_event(Event::End(BytesEnd::new("properties")))?;
        Ok(())
    };
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| anyhow::anyhow!("re-reading JUnit XML: {e}"))?;
        match ev {
            Event::Eof => break,
            Event::Start(e) if e.name().as_ref() == b"testcase" => {
                let list = name_of(&e).and_then(|n| props.get(&n));
                writer.write_event(Event::Start(e.clone()))?;
                if let Some(list) = list {
                    write_props(&mut writer, list)?;
                }
            }
            Event::Empty(e) if e.name().as_ref() == b"testcase" => {
                let list = name_of(&e).and_then(|n| props.get(&n));
                match list {
                    Some(list) => {
                        writer.write_event(Event::Start(e.clone()))?;
                        write_props(&mut writer, list)?;
                        writer.write_event(Event::End(BytesEnd::new("testcase")))?;
                    }
                    None => writer.write_event(Event::Empty(e.clone()))?,
                }
            }
            other => writer.write_event(other)?,
        }
        buf.clear();
    }
    Ok(writer.into_inner())
}
