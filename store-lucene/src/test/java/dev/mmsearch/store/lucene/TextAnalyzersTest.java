package dev.mmsearch.store.lucene;

import static dev.mmsearch.store.lucene.Fixtures.STAMP_A;
import static dev.mmsearch.store.lucene.Fixtures.vectorFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mmsearch.core.CollectionSchema;
import dev.mmsearch.core.Document;
import dev.mmsearch.core.EmbeddedDocument;
import dev.mmsearch.core.ErrorCode;
import dev.mmsearch.core.HighlightFragment;
import dev.mmsearch.core.MmsearchException;
import dev.mmsearch.core.ScoredId;
import dev.mmsearch.core.SearchCollection;
import dev.mmsearch.core.TextAnalyzer;
import dev.mmsearch.core.TextQuery;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analyzer a collection is created with: its terms (Chinese word segmentation, bigrams, ICU folding), BM25 and
 * highlighting on Chinese text through it, kept across a reopen, and collections without one read as English.
 */
class TextAnalyzersTest {
    private static final CollectionSchema FAQ = new CollectionSchema("{question} {answer}", List.of("question", "answer"),
            List.of());

    @TempDir
    Path root;

    private static List<String> terms(TextAnalyzer analyzer, String text) throws IOException {
        List<String> terms = new ArrayList<>();
        try (Analyzer lucene = TextAnalysis.create(analyzer); TokenStream stream = lucene.tokenStream("f", text)) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                terms.add(term.toString());
            }
            stream.end();
        }
        return terms;
    }

    @Test
    void eachAnalyzerMakesItsOwnTerms() throws IOException {
        String text = "如何安装软件包 Running Wörld";
        assertThat(terms(TextAnalyzer.ENGLISH, text)).as("one term per Han character")
                .containsExactly("如", "何", "安", "装", "软", "件", "包", "run", "wörld");
        assertThat(terms(TextAnalyzer.CHINESE, text)).as("words").contains("如何", "安装", "软件包", "run")
                .doesNotContain("安", "装");
        assertThat(terms(TextAnalyzer.CJK, text)).as("bigrams").contains("如何", "何安", "安装", "软件", "running");
        assertThat(terms(TextAnalyzer.STANDARD, text)).contains("running", "wörld").contains("如", "包");
        assertThat(terms(TextAnalyzer.ICU, text)).as("dictionary words, folded").contains("安装", "running", "world");
    }

    private static EmbeddedDocument faq(String id, String question, String answer) {
        return new EmbeddedDocument(new Document(id, Map.of("question", question, "answer", answer)), vectorFor(id));
    }

    private static List<EmbeddedDocument> faqs() {
        return List.of(
                faq("install", "如何安装软件包？", "使用 apt 命令安装软件包，例如 apt install 加上软件包的名字。"),
                faq("history", "Debian 项目是什么时候开始的？", "Debian 项目始于一九九三年。"),
                faq("food", "包子是什么？", "包子是一种有馅的中国面食。"));
    }

    private static List<String> ids(List<ScoredId> hits) {
        return hits.stream().map(ScoredId::id).toList();
    }

    @Test
    void aChineseCollectionSearchesAndHighlightsWordsAndKeepsItsAnalyzer() throws Exception {
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection zh = store.getOrCreate("zh", FAQ.withAnalyzer(TextAnalyzer.CHINESE), STAMP_A);
            SearchCollection en = store.getOrCreate("en", FAQ, STAMP_A);
            for (SearchCollection c : List.of(zh, en)) {
                c.upsert(faqs());
                c.commit();
            }
            // "包子" (a bun) is one word: only its own answer matches; one character at a time, "包" of "软件包"
            // (a software package) matches too.
            assertThat(ids(zh.search(TextQuery.of("包子", 10)))).containsExactly("food");
            assertThat(ids(en.search(TextQuery.of("包子", 10)))).containsExactlyInAnyOrder("food", "install");
            assertThat(ids(zh.search(TextQuery.of("怎样安装软件？", 10)))).first().isEqualTo("install");
            // Field boosts analyse with the same analyzer.
            assertThat(ids(zh.search(TextQuery.of("包子", 10, null, Map.of("question", 2f))))).containsExactly("food");

            Map<String, List<HighlightFragment>> marked = zh.highlight("install", "安装软件", List.of("answer"));
            List<String> matches = marked.get("answer").stream().flatMap(f -> f.runs().stream())
                    .filter(HighlightFragment.Run::match).map(HighlightFragment.Run::text).toList();
            assertThat(matches).isNotEmpty().allSatisfy(m -> assertThat(m).isIn("安装", "软件", "安装软件"));
            assertThat(String.join("", matches)).contains("安装").contains("软件");
            assertThat(zh.schema().analyzer()).isEqualTo(TextAnalyzer.CHINESE);
            assertThat(en.schema().analyzer()).isEqualTo(TextAnalyzer.ENGLISH);
        }
        assertThat(commitData(root.resolve("zh"))).containsEntry(CommitMetadata.SCHEMA_ANALYZER, "chinese")
                .containsEntry(CommitMetadata.FORMAT, "3");
        try (LuceneCollectionStore store = new LuceneCollectionStore(root)) {
            SearchCollection zh = store.get("zh");
            assertThat(zh.schema().analyzer()).isEqualTo(TextAnalyzer.CHINESE);
            assertThat(ids(zh.search(TextQuery.of("包子", 10)))).containsExactly("food");
            // Asked for with another analyzer, the collection keeps its own (as any other schema difference; the API
            // answers that with a 409).
            assertThat(store.getOrCreate("zh", FAQ.withAnalyzer(TextAnalyzer.CJK), STAMP_A).schema().analyzer())
                    .isEqualTo(TextAnalyzer.CHINESE);
        }
    }

    @Test
    void metadataWithoutAnAnalyzerIsEnglishAndAnUnknownOneIsDamage() {
        Instant now = Instant.now();
        Map<String, String> data = new LinkedHashMap<>(CommitMetadata.created(STAMP_A,
                FAQ.withAnalyzer(TextAnalyzer.ICU), now, null).toUserData());
        assertThat(CommitMetadata.fromUserData("c", root, data).schema().analyzer()).isEqualTo(TextAnalyzer.ICU);
        data.remove(CommitMetadata.SCHEMA_ANALYZER);
        assertThat(CommitMetadata.fromUserData("c", root, data).schema().analyzer()).isEqualTo(TextAnalyzer.ENGLISH);
        data.put(CommitMetadata.SCHEMA_ANALYZER, "klingon");
        assertThatThrownBy(() -> CommitMetadata.fromUserData("c", root, data))
                .isInstanceOfSatisfying(MmsearchException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessageContaining("damaged mmsearch metadata").hasMessageContaining("klingon");
        assertThatThrownBy(() -> TextAnalyzer.parse("klingon"))
                .isInstanceOfSatisfying(MmsearchException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
                .hasMessageContaining("english, chinese, cjk, standard, icu");
        assertThat(TextAnalyzer.parse(" Chinese ")).isEqualTo(TextAnalyzer.CHINESE);
    }

    private static Map<String, String> commitData(Path path) throws IOException {
        try (FSDirectory directory = FSDirectory.open(path)) {
            return SegmentInfos.readLatestCommit(directory).getUserData();
        }
    }
}
