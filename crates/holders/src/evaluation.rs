//! Holder accuracy against hand labels: each article's sentences with the gold holder and
//! country of its stance sentences, attributed as the finder attributes them.

use crate::attribute::HolderFinder;

/// One labeled article: its sentences in order, and for each sentence scored (a gold stance
/// sentence) its gold holder and country (empty strings: none).
#[derive(Debug, Clone, Default)]
pub struct GoldArticle {
    /// The sentences, in order.
    pub sentences: Vec<String>,
    /// Per sentence: `Some((holder, country))` to score it, `None` to only read it.
    pub gold: Vec<Option<(String, String)>>,
}

/// How often the finder names the gold holder and country.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct HolderAccuracy {
    /// Sentences scored.
    pub sentences: usize,
    /// The holder exactly as labeled (both none counts).
    pub exact: f64,
    /// The holder after alias merging (`Sergey Lavrov` = `Sergei Lavrov`).
    pub merged: f64,
    /// The country as labeled.
    pub country: f64,
}

/// Scores `finder` on labeled articles.
pub fn holder_accuracy(finder: &HolderFinder, articles: &[GoldArticle]) -> HolderAccuracy {
    let (mut n, mut exact, mut merged, mut country) = (0usize, 0usize, 0usize, 0usize);
    let aliases = finder.aliases();
    for article in articles {
        let sentences: Vec<&str> = article.sentences.iter().map(String::as_str).collect();
        let found = finder.attribute_article(&sentences);
        for (gold, found) in article.gold.iter().zip(&found) {
            let Some((holder, gold_country)) = gold else { continue };
            let (got, got_country) =
                found.as_ref().map_or(("", ""), |a| (a.holder.as_str(), a.country.as_deref().unwrap_or("")));
            n += 1;
            exact += usize::from(got == holder);
            merged += usize::from(aliases.canonical(got) == aliases.canonical(holder));
            country += usize::from(got_country == gold_country);
        }
    }
    let share = |k: usize| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    HolderAccuracy { sentences: n, exact: share(exact), merged: share(merged), country: share(country) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_merged_and_country_accuracy() {
        let gold = |h: &str, c: &str| Some((h.to_owned(), c.to_owned()));
        let article = GoldArticle {
            sentences: vec![
                "Russian Foreign Minister Sergey Lavrov rejected the plan.".into(),
                "Background without a holder.".into(),
                "Nobody is named here.".into(),
            ],
            gold: vec![gold("Sergei Lavrov", "Russia"), None, gold("", "")],
        };
        let accuracy = holder_accuracy(&HolderFinder::default(), &[article]);
        assert_eq!(accuracy, HolderAccuracy { sentences: 2, exact: 0.5, merged: 1.0, country: 1.0 });
        assert_eq!(holder_accuracy(&HolderFinder::default(), &[]).sentences, 0);
    }
}
