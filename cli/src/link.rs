//! `journey-attribution link`: a message link carrying the attribution, for the landing
//! touch the npm wrappers capture (the core's `landing`).

use std::error::Error;

use clap::ValueEnum;
use journey_attribution_core::landing::{self, LINK_PARAMS, Link};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The journey (or campaign) id: `campaign_id` of the stamped events.
    #[arg(long)]
    pub journey: String,
    /// The label: `campaign` of the stamped events.
    #[arg(long)]
    pub label: String,
    /// The Pinpoint application (or any) id: picks the window in `LOOKBACK_WINDOWS`.
    #[arg(long, default_value = "")]
    pub application: String,
    /// Which parameters: `ja` (the package's own), `utm` (utm_campaign, utm_id, which other
    /// analytics read too), or `both` (the wrappers prefer `ja`).
    #[arg(long, value_enum, default_value_t = Form::Both)]
    pub form: Form,
    /// The page the message links to, e.g. https://shop.example/sale.
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Form {
    Ja,
    Utm,
    Both,
}

#[derive(Debug, thiserror::Error)]
pub enum LinkCommandError {
    #[error("--{field}: {reason}")]
    Value {
        field: &'static str,
        reason: &'static str,
    },
    #[error("URL {0:?}: expected an absolute http(s) URL")]
    Url(String),
    #[error("internal: the link does not read back as the same attribution ({0})")]
    RoundTrip(String),
}

/// `url` with the attribution parameters of `link` in `form` (replacing any already there),
/// before its fragment.
pub fn decorate(url: &str, link: &Link, form: Form) -> Result<String, LinkCommandError> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.contains(' ') {
        return Err(LinkCommandError::Url(url.to_owned()));
    }
    let (base, fragment) = url
        .split_once('#')
        .map_or((url, None), |(b, f)| (b, Some(f)));
    let (path, query) = base.split_once('?').map_or((base, ""), |(p, q)| (p, q));
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| !LINK_PARAMS.contains(&p.split_once('=').map_or(*p, |(k, _)| k)))
        .map(str::to_owned)
        .collect();
    if matches!(form, Form::Utm | Form::Both) {
        params.push(format!(
            "utm_campaign={}",
            landing::encode_component(&link.label)
        ));
        params.push(format!(
            "utm_id={}",
            landing::encode_component(&link.journey_id)
        ));
    }
    if matches!(form, Form::Ja | Form::Both) {
        let value = landing::link_value(link);
        params.push(format!("ja={}", landing::encode_component(&value)));
    }
    let mut out = format!("{path}?{}", params.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    Ok(out)
}

fn link_of(args: &Args) -> Result<Link, LinkCommandError> {
    let check = |field: &'static str, value: &str| {
        if value.trim().is_empty() {
            return Err(LinkCommandError::Value {
                field,
                reason: "must not be blank",
            });
        }
        if journey_attribution_core::touch::pinpoint_len(value)
            > journey_attribution_core::touch::MAX_ATTRIBUTE_VALUE_CHARS
        {
            return Err(LinkCommandError::Value {
                field,
                reason: "over Pinpoint's 200-character attribute limit",
            });
        }
        Ok(())
    };
    check("journey", &args.journey)?;
    check("label", &args.label)?;
    Ok(Link {
        application_id: args.application.clone(),
        journey_id: args.journey.clone(),
        label: args.label.trim().to_owned(),
    })
}

pub fn run(args: Args) -> Result<(), Box<dyn Error>> {
    let link = link_of(&args)?;
    let url = decorate(&args.url, &link, args.form)?;
    // What the browser will read: the same journey and label (and application, with `ja`).
    let mut expected = link.clone();
    if args.form == Form::Utm {
        expected.application_id.clear();
    }
    let read = landing::parse_url(&url);
    if read.link.as_ref() != Some(&expected) || read.ignored.is_some() {
        return Err(LinkCommandError::RoundTrip(format!("{read:?}")).into());
    }
    println!("{url}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn link() -> Link {
        Link {
            application_id: "app-1".into(),
            journey_id: "j-1".into(),
            label: "Spring sale | 50%".into(),
        }
    }

    #[test]
    fn decorates_keeping_other_parameters_and_the_fragment() {
        let url = decorate(
            "https://shop.example/sale?ref=mail&utm_id=stale#top",
            &link(),
            Form::Both,
        )
        .unwrap();
        assert_eq!(
            url,
            "https://shop.example/sale?ref=mail&utm_campaign=Spring%20sale%20%7C%2050%25\
             &utm_id=j-1&ja=1%7Capp-1%7Cj-1%7CSpring%20sale%20%257C%2050%2525#top"
        );
        assert_eq!(landing::parse_url(&url).link, Some(link()));
        let utm = decorate("https://shop.example/", &link(), Form::Utm).unwrap();
        assert_eq!(
            landing::parse_url(&utm).link.unwrap().application_id,
            "",
            "UTM carries no application"
        );
        assert!(decorate("shop.example/sale", &link(), Form::Ja).is_err());
    }
}
