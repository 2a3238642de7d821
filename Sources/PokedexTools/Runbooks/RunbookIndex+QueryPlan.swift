extension RunbookIndex {
    /// Which FTS5 queries answer a question, in order, until enough chunks are found.
    struct QueryPlan {
        struct Step: Equatable {
            var words: [String]
            /// Look only in titles and section headings.
            var headings = false
            /// All words must appear (AND) rather than any (OR).
            var all: Bool
            /// Ranked by BM25; false for words in most chunks, where BM25 cannot tell chunks apart
            /// and would only cost time: then the first chunks in index order are taken.
            var ranked: Bool
        }

        var steps: [Step]
        /// Most chunks one step scores.
        var candidates = 50

        /// A word of the question (or an alternative for one), and how common it is.
        struct WordStats {
            var word: String
            /// Whether the question says it (rather than the thesaurus).
            var original = true
            /// In how many chunks it is, counted up to the bound.
            var count: Int
            /// Its matches fill at least half of the rows they span: it is in most chunks.
            var dense: Bool
        }

        /// A word in fewer than a tenth of the chunks (`bound`) is rare; one in more than half is
        /// everywhere (FTS5's BM25 clamps its weight to 1e-6). Only a tenth is ever counted: how
        /// densely the word fills the rows up to its tenth-of-the-chunks match tells "everywhere"
        /// from "common" without reading the rest of its list. All words of a step must appear only
        /// among those the question says (alternatives never have to).
        init(_ words: [WordStats], bound: Int, chunks: Int) {
            candidates = bound
            guard words.count > 1, chunks >= bound else {  // a small index: every word is rare
                steps = [Step(words: words.map(\.word), all: false, ranked: true)]
                return
            }
            let rare = words.filter { $0.count < bound }.map(\.word)
            let common = words.filter { $0.count >= bound && !$0.dense }
            if !rare.isEmpty {
                steps = [Step(words: rare, all: false, ranked: true)]
            } else if !common.isEmpty {
                let said = common.filter(\.original).map(\.word)
                steps = [
                    Step(words: said, headings: true, all: true, ranked: true),
                    Step(words: said, all: true, ranked: true), Step(words: common.map(\.word), all: false, ranked: true),
                ]
            } else {
                let said = words.filter(\.original).map(\.word)
                steps = [Step(words: said, all: true, ranked: false), Step(words: words.map(\.word), all: false, ranked: false)]
            }
        }
    }
}
