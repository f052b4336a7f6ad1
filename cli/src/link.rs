//! `journey-attribution link`: a message link carrying the attribution, for the landing
//! touch the npm wrappers capture (the core's `landing`).

use std::error::Error;

use clap::ValueEnum;
use journey_attribution_core::landing::{self, LINK_PARAMS, Link, UtmPolicy};

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
    /// Which parameters: `ja` (the package's own), `utm` (utm_campaign, utm_id, utm_medium,
    /// which other analytics read too), or `both` (the wrappers prefer `ja`).
    #[arg(long, value_enum, default_value_t = Form::Both)]
    pub form: Form,
    /// The `utm_medium` of the UTM form: the channel the message goes out on. The wrappers
    /// count a UTM link only from the app's own channels (email, sms, push by default).
    #[arg(long, default_value = "email")]
    pub utm_medium: String,
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
/// before its fragment; the UTM form says `utm_medium`.
pub fn decorate(
    url: &str,
    link: &Link,
    form: Form,
    utm_medium: &str,
) -> Result<String, LinkCommandError> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.contains(' ') {
        return Err(LinkCommandError::Url(url.to_owned()));
    }
    let (base, fragment) = url
        .split_once('#')
        .map_or((url, None), |(b, f)| (b, Some(f)));
    let (path, query) = base.split_once('?').map_or((base, ""), |(p, q)| (p, q));
    let utm = matches!(form, Form::Utm | Form::Both);
    let replaced = |key: &str| LINK_PARAMS.contains(&key) || (utm && key == "utm_medium");
    let mut params: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| !replaced(p.split_once('=').map_or(*p, |(k, _)| k)))
        .map(str::to_owned)
        .collect();
    if utm {
        params.push(format!(
            "utm_medium={}",
            landing::encode_component(utm_medium)
        ));
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
    check("utm-medium", &args.utm_medium)?;
    Ok(Link {
        application_id: args.application.clone(),
        journey_id: args.journey.clone(),
        label: args.label.trim().to_owned(),
    })
}

pub fn run(args: Args) -> Result<(), Box<dyn Error>> {
    let link = link_of(&args)?;
    let url = decorate(&args.url, &link, args.form, &args.utm_medium)?;
    // What the browser will read: the same journey and label (and application, with `ja`).
    let mut expected = link.clone();
    if args.form == Form::Utm {
        expected.application_id.clear();
    }
    // An app may count more channels than the default (`utmChannels`): read the link as
    // such an app does, and say when the wrappers' default would not count it.
    let read = landing::parse_url(&url, UtmPolicy::Any);
    if args.form == Form::Utm && !UtmPolicy::default().accepts(Some(&args.utm_medium), None) {
        eprintln!(
            "warning: --utm-medium {:?} is not one of the channels the wrappers count by default \
             ({}): give it in their `utmChannels` option",
            args.utm_medium,
            landing::DEFAULT_UTM_CHANNELS.join(", ")
        );
    }
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
            "https://shop.example/sale?ref=mail&utm_id=stale&utm_medium=cpc#top",
            &link(),
            Form::Both,
            "email",
        )
        .unwrap();
        assert_eq!(
            url,
            "https://shop.example/sale?ref=mail&utm_medium=email\
             &utm_campaign=Spring%20sale%20%7C%2050%25\
             &utm_id=j-1&ja=1%7Capp-1%7Cj-1%7CSpring%20sale%20%257C%2050%2525#top"
        );
        let parse = |url: &str| landing::parse_url(url, UtmPolicy::default());
        assert_eq!(parse(&url).link, Some(link()));
        let utm = decorate("https://shop.example/", &link(), Form::Utm, "sms").unwrap();
        assert_eq!(
            parse(&utm).link.unwrap().application_id,
            "",
            "UTM carries no application"
        );
        // ja alone leaves the page's UTM parameters as they are.
        let ja = decorate(
            "https://shop.example/?utm_medium=cpc",
            &link(),
            Form::Ja,
            "x",
        );
        assert!(
            ja.unwrap()
                .starts_with("https://shop.example/?utm_medium=cpc&ja=")
        );
        assert!(decorate("shop.example/sale", &link(), Form::Ja, "email").is_err());
    }
}
