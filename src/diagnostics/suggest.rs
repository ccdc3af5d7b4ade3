//! "Did you mean" suggestions by edit distance.

/// Names longer than this get no "did you mean".
const MAX_SUGGESTED: usize = 256;

/// The candidate closest to `name`, if it is close enough to be a plausible typo.
pub fn closest<'a, I>(name: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    // Edit distance is quadratic: a name of a megabyte is no typo of anything.
    if name.len() > MAX_SUGGESTED {
        return None;
    }
    let lower = name.to_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for cand in candidates {
        if cand == name || cand.len() > MAX_SUGGESTED {
            continue;
        }
        let score = if cand.to_lowercase() == lower { 1.0 } else { strsim::jaro_winkler(&lower, &cand.to_lowercase()) };
        let distance = strsim::damerau_levenshtein(&lower, &cand.to_lowercase());
        let plausible = score >= 0.85 || distance <= (name.chars().count() / 3).max(1);
        if plausible && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, cand));
        }
    }
    best.map(|(_, c)| c.to_string())
}

/// A help line: "did you mean `x`?" or a list of valid names.
pub fn did_you_mean<'a, I>(name: &str, candidates: I, what: &str) -> String
where
    I: IntoIterator<Item = &'a str> + Clone,
{
    match closest(name, candidates.clone()) {
        Some(c) => format!("did you mean `{c}`?"),
        None => {
            // a name can reach the list twice (a stdlib module and its `use`): list it once
            let mut all: Vec<&str> = Vec::new();
            for c in candidates {
                if !all.contains(&c) {
                    all.push(c);
                }
            }
            if all.is_empty() {
                format!("no {what} is defined here")
            } else if all.len() <= 12 {
                format!("valid {what}s: {}", quote_list(&all))
            } else {
                format!("valid {what}s include {}, ...", quote_list(all.get(..12).unwrap_or(&all)))
            }
        }
    }
}

/// `a`, `b`, `c`
pub fn quote_list(names: &[&str]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_valid_name_is_listed_once() {
        assert_eq!(did_you_mean("zzzzzz", ["bss2", "chip", "bss2"], "name"), "valid names: `bss2`, `chip`");
    }

    #[test]
    fn typo_is_found() {
        assert_eq!(closest("Itau_mme", ["Itau_mem", "Igain_mem", "Idc"]), Some("Itau_mem".into()));
        assert_eq!(closest("zzz", ["Itau_mem", "Igain_mem"]), None);
    }
}
