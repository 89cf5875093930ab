//! The words of a social post (`[social]`): how each network counts them, and an update fitted
//! to a network's limit without cutting the status page link.
//!
//! - X: 280 "weighted" characters (X's counting: most Latin, Greek, Cyrillic and punctuation
//!   count 1, other characters such as CJK 2, an emoji 2), every URL 23 (t.co).
//! - Mastodon: 500 grapheme clusters, every `http(s)://` URL 23.
//! - Bluesky: 300 graphemes and 3,000 UTF-8 bytes, URLs as written; links are rich-text facets
//!   (UTF-8 byte offsets), and the status page link is shown shortened, its facet keeping the
//!   whole URL (as Bluesky's own app does).
//!
//! A message over the limit is cut at a word (a sentence end when that keeps most of it),
//! never inside a URL, and ends in "…"; the link always follows it whole, on its own line.

use std::ops::Range;

use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

/// What X and Mastodon count for any URL.
pub const URL_LENGTH: usize = 23;
/// Bluesky shows the status page link in at most this many graphemes.
pub const BLUESKY_LINK_MAX: usize = 30;
/// Bluesky's byte limit on a post's text.
pub const BLUESKY_MAX_BYTES: usize = 3000;
/// Shown in a preview where the status page link goes once the status page has opened it.
pub const PENDING_LINK: &str = "[status page link]";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    X,
    Mastodon,
    Bluesky,
}

/// The status page link a post carries.
#[derive(Clone, Copy, Debug)]
pub enum Link<'a> {
    None,
    /// Not known yet: the status page opens the public incident first.
    Pending,
    Url(&'a str),
}

impl Network {
    pub const ALL: [Network; 3] = [Network::X, Network::Mastodon, Network::Bluesky];

    /// The provider name of its deliveries and journal records.
    pub fn name(self) -> &'static str {
        match self {
            Network::X => "x",
            Network::Mastodon => "mastodon",
            Network::Bluesky => "bluesky",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Network::X => "X",
            Network::Mastodon => "Mastodon",
            Network::Bluesky => "Bluesky",
        }
    }

    pub fn from_name(name: &str) -> Option<Network> {
        Network::ALL.into_iter().find(|n| n.name() == name)
    }

    pub fn limit(self) -> usize {
        match self {
            Network::X => 280,
            Network::Mastodon => 500,
            Network::Bluesky => 300,
        }
    }

    /// What the limit counts.
    pub fn unit(self) -> &'static str {
        match self {
            Network::Bluesky => "graphemes",
            _ => "characters",
        }
    }

    /// The length of `text` as the network counts it.
    pub fn length(self, text: &str) -> usize {
        match self {
            Network::X => x_length(text),
            Network::Mastodon => spans(text)
                .iter()
                .map(|(url, s)| {
                    if *url {
                        URL_LENGTH
                    } else {
                        s.graphemes(true).count()
                    }
                })
                .sum(),
            Network::Bluesky => text.graphemes(true).count(),
        }
    }

    /// How the status page link is written in a post.
    pub fn show_link(self, link: Link<'_>) -> Option<String> {
        match link {
            Link::None => None,
            Link::Pending => Some(PENDING_LINK.to_string()),
            Link::Url(u) if self == Network::Bluesky => Some(short_link(u)),
            Link::Url(u) => Some(u.to_string()),
        }
    }

    /// What the link (and the line break before it) costs, as counted.
    fn link_cost(self, link: Link<'_>) -> (usize, usize) {
        let Some(shown) = self.show_link(link) else {
            return (0, 0);
        };
        let count = match (self, link) {
            (Network::Bluesky, Link::Pending) => BLUESKY_LINK_MAX,
            (Network::Bluesky, _) => shown.graphemes(true).count(),
            _ => URL_LENGTH,
        };
        let bytes = match link {
            Link::Pending => BLUESKY_LINK_MAX * 4,
            _ => shown.len(),
        };
        (count + 1, bytes + 1)
    }

    fn fits(self, part: &str, link: Link<'_>) -> bool {
        let (count, bytes) = self.link_cost(link);
        self.length(part) + count <= self.limit()
            && (self != Network::Bluesky || part.len() + bytes <= BLUESKY_MAX_BYTES)
    }
}

/// An update fitted to one network: the message part (shortened or not) that the link follows.
#[derive(Clone, Debug, PartialEq)]
pub struct Fitted {
    pub part: String,
    pub shortened: bool,
    /// The post's length as the network counts it (the link included).
    pub length: usize,
}

/// Fits `message` and the link into the network's limit; `Err` when not even its first word
/// fits beside the link.
pub fn fit(network: Network, message: &str, link: Link<'_>) -> Result<Fitted, String> {
    let message = message.trim();
    let done = |part: String, shortened: bool| {
        let length = network.length(&part) + network.link_cost(link).0;
        Fitted {
            part,
            shortened,
            length,
        }
    };
    if network.fits(message, link) {
        return Ok(done(message.to_string(), false));
    }
    // Where the message may be cut: after a word or punctuation, never inside a URL.
    let urls = url_ranges(message);
    let cuts: Vec<usize> = message
        .split_word_bound_indices()
        .filter(|(_, w)| !w.trim().is_empty())
        .map(|(i, w)| i + w.len())
        .filter(|end| !urls.iter().any(|r| r.start < *end && *end < r.end))
        .collect();
    let cut = |end: usize| format!("{}…", message[..end].trim_end());
    // The prefix grows with the cut, so its length does too: the last cut that fits.
    let n = cuts.partition_point(|end| network.fits(&cut(*end), link));
    if n == 0 {
        return Err(format!(
            "the message does not fit in a {} post ({} {}{}) even shortened: its first word is too long",
            network.label(),
            network.limit(),
            network.unit(),
            if matches!(link, Link::None) {
                ""
            } else {
                " with the status page link"
            }
        ));
    }
    let best = cuts[n - 1];
    // A whole sentence reads better than a cut one, when it keeps most of the room.
    let sentence = cuts[..n].iter().rev().copied().find(|end| {
        let before = message[..*end].trim_end();
        before.ends_with(['.', '!', '?', '。', '！', '？'])
            && message[*end..].starts_with(char::is_whitespace)
    });
    if let Some(end) = sentence
        && 2 * network.length(&message[..end]) >= network.length(&message[..best])
    {
        return Ok(done(message[..end].trim_end().to_string(), true));
    }
    Ok(done(cut(best), true))
}

/// The text of a post: the message part, then the link on its own line; with the byte range
/// of the link in it.
pub fn compose(network: Network, part: &str, link: Link<'_>) -> (String, Option<Range<usize>>) {
    match network.show_link(link) {
        None => (part.to_string(), None),
        Some(shown) => {
            let text = format!("{part}\n{shown}");
            let start = part.len() + 1;
            let range = start..text.len();
            (text, Some(range))
        }
    }
}

/// How Bluesky's app shows a link: no scheme, no trailing slash, at most
/// [`BLUESKY_LINK_MAX`] graphemes.
pub fn short_link(url: &str) -> String {
    let bare = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url)
        .trim_end_matches('/');
    if bare.graphemes(true).count() <= BLUESKY_LINK_MAX {
        return bare.to_string();
    }
    let mut s: String = bare.graphemes(true).take(BLUESKY_LINK_MAX - 1).collect();
    s.push('…');
    s
}

/// Byte ranges of the `http://` and `https://` URLs in `text` (trailing punctuation is not
/// part of a URL).
pub fn url_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = ["https://", "http://"]
        .iter()
        .filter_map(|p| text[from..].find(p).map(|i| from + i))
        .min()
    {
        let starts_word = text[..found]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || "([{<\"'".contains(c));
        let rest = &text[found..];
        let len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let url = rest[..len]
            .trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}', '"', '\'', '>']);
        if starts_word && url.len() > "https://".len() {
            out.push(found..found + url.len());
        }
        from = found + len.max(1);
        while !text.is_char_boundary(from) {
            from += 1;
        }
    }
    out
}

/// `text` split into URL spans (`true`) and the rest.
fn spans(text: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut at = 0;
    for r in url_ranges(text) {
        if r.start > at {
            out.push((false, &text[at..r.start]));
        }
        out.push((true, &text[r.clone()]));
        at = r.end;
    }
    if at < text.len() {
        out.push((false, &text[at..]));
    }
    out
}

/// X's weighted length: a URL is 23, and so is at least a word X may take for a bare domain
/// (`status.example.com`); a grapheme counts 1 per code point in X's light ranges, else 2,
/// and an emoji 2.
fn x_length(text: &str) -> usize {
    spans(text)
        .iter()
        .map(|(url, s)| {
            if *url {
                return URL_LENGTH;
            }
            s.split_word_bounds()
                .map(|w| {
                    let n: usize = w.graphemes(true).map(x_weight).sum();
                    if looks_like_domain(w) {
                        n.max(URL_LENGTH)
                    } else {
                        n
                    }
                })
                .sum()
        })
        .sum()
}

fn x_weight(g: &str) -> usize {
    let emoji = g
        .chars()
        .any(|c| matches!(c as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F | 0x200D));
    if emoji {
        return 2;
    }
    g.chars()
        .map(|c| match c as u32 {
            0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247 => 1,
            _ => 2,
        })
        .sum()
}

/// `name.tld` (a UAX #29 word keeps `status.example.com` together).
fn looks_like_domain(word: &str) -> bool {
    let Some((head, tld)) = word.rsplit_once('.') else {
        return false;
    };
    !head.is_empty()
        && tld.len() >= 2
        && tld.chars().all(|c| c.is_ascii_alphabetic())
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_network_counts_its_way() {
        let url = "https://status.example.com/incidents/0123456789abcdefghijklmnop";
        let text = format!("Checkout errors. {url}");
        assert_eq!(Network::X.length(&text), 17 + 23);
        assert_eq!(Network::Mastodon.length(&text), 17 + 23);
        assert_eq!(Network::Bluesky.length(&text), 17 + url.len());
        // CJK weighs 2 on X, 1 elsewhere; an emoji (a ZWJ family) 2 on X, 1 grapheme.
        assert_eq!(Network::X.length("障害"), 4);
        assert_eq!(Network::Mastodon.length("障害"), 2);
        assert_eq!(Network::X.length("👨‍👩‍👧"), 2);
        assert_eq!(Network::Bluesky.length("👨‍👩‍👧"), 1);
        // A bare domain may be a link to X.
        assert_eq!(Network::X.length("see acme.com"), 4 + 23);
        assert_eq!(Network::X.length("e.g. now"), 8);
    }

    #[test]
    fn urls_end_before_punctuation() {
        let t = "See (https://a.example/x). And http://b.example, ok https://";
        let r = url_ranges(t);
        assert_eq!(r.len(), 2);
        assert_eq!(&t[r[0].clone()], "https://a.example/x");
        assert_eq!(&t[r[1].clone()], "http://b.example");
    }

    #[test]
    fn a_long_message_is_cut_at_a_word_and_keeps_the_link() {
        let msg = "word ".repeat(100);
        let link = "https://stspg.io/abc123";
        for net in Network::ALL {
            let f = fit(net, &msg, Link::Url(link)).unwrap();
            assert!(f.shortened);
            assert!(f.part.ends_with("word…"), "{net:?}: {}", f.part);
            let (text, range) = compose(net, &f.part, Link::Url(link));
            assert_eq!(net.length(&text), f.length);
            assert!(f.length <= net.limit(), "{net:?}: {}", f.length);
            assert!(
                f.length > net.limit() - 6,
                "{net:?}: cut too early, {}",
                f.length
            );
            let shown = &text[range.unwrap()];
            assert!(link.contains(shown.trim_end_matches('…')), "{shown}");
        }
        // A pending link reserves what the real one may need.
        let f = fit(Network::Bluesky, &msg, Link::Pending).unwrap();
        assert!(f.length <= 300);
    }

    #[test]
    fn a_sentence_end_is_preferred_when_it_keeps_most() {
        let msg = format!("{}. {}", "a".repeat(200), "b ".repeat(100));
        let f = fit(Network::X, &msg, Link::None).unwrap();
        assert_eq!(f.part, format!("{}.", "a".repeat(200)));
        let f = fit(
            Network::X,
            &format!("Short. {}", "c ".repeat(200)),
            Link::None,
        )
        .unwrap();
        assert!(f.part.ends_with("c…"), "{}", f.part);
    }

    #[test]
    fn a_url_is_never_cut_and_a_word_too_long_does_not_fit() {
        let long_url = format!("https://docs.example.com/{}", "p".repeat(300));
        let msg = format!("Details: {long_url} more words here");
        let f = fit(Network::Bluesky, &msg, Link::None).unwrap();
        assert_eq!(f.part, "Details:…");
        // On X the same URL counts 23: it all fits.
        assert!(!fit(Network::X, &msg, Link::None).unwrap().shortened);
        let e = fit(Network::Bluesky, &long_url, Link::Url("https://stspg.io/x")).unwrap_err();
        assert!(e.contains("Bluesky") && e.contains("300 graphemes"), "{e}");
    }

    #[test]
    fn bluesky_shows_links_short() {
        assert_eq!(short_link("https://stspg.io/abc/"), "stspg.io/abc");
        let s = short_link(&format!("https://status.example.com/{}", "x".repeat(40)));
        assert_eq!(s.graphemes(true).count(), BLUESKY_LINK_MAX);
        assert!(s.ends_with('…'));
    }
}
