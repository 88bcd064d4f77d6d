// Lucene 8 comparison (Debian liblucene8-java): BM25 with the same analysis as Vajra.
//
// Analysis (index and query): word runs of letters/digits (a CharTokenizer on
// Character.isLetterOrDigit, as Vajra's tokenizer splits text), lower-cased, Vajra's 123 English
// stopwords removed (read at run time from plugins/lexical/stopwords.c, the one list), then the
// Snowball English stemmer (org.tartarus.snowball.ext.EnglishStemmer, the stemmer Vajra takes
// from libstemmer). Similarity: BM25Similarity(k1 = 1.2, b = 0.75), Vajra's defaults. One text
// field = title + " " + text. Query = the analysed terms as SHOULD clauses of a BooleanQuery (an OR
// of terms, as Vajra's), searched with IndexSearcher.search(query, k) (Lucene 8's default
// collector, which skips with block-max WAND once 1,000 hits are counted).
//
// Cranfield: top 1000 per query written as a TREC run and scored by compare-evalrun (Vajra's eval
// module) when its path is given. WordNet 116k: build into an on-disk index (MMapDirectory; adds,
// commit, forceMerge(1), commit: all timed), then top-10 latency p50/p95 and QPS on one thread,
// after two untimed warm-up passes (JIT).
//
// Usage: java -cp lucene-core.jar:lucene-analyzers-common.jar:CLASSDIR CompareLucene DATA_DIR
//        STOPWORDS_C [EVALRUN [RUN_DIR]]
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.util.CharTokenizer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.MMapDirectory;
import org.apache.lucene.util.Version;
import org.tartarus.snowball.ext.EnglishStemmer;

public class CompareLucene {
    static final String FIELD = "body";
    static final int EVAL_DEPTH = 1000;

    static final class Doc {
        final String id, title, text;
        Doc(String id, String title, String text) { this.id = id; this.title = title; this.text = text; }
        String all() { return title.isEmpty() ? text : title + " " + text; }
    }

    // A minimal reader for BEIR JSONL lines: the "_id", "title" and "text" string values.
    static String jsonString(String line, String key) {
        int k = line.indexOf("\"" + key + "\"");
        if (k < 0) return "";
        int i = line.indexOf('"', line.indexOf(':', k + key.length() + 2) + 1);
        StringBuilder sb = new StringBuilder();
        for (i = i + 1; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch == '"') break;
            if (ch == '\\') {
                char e = line.charAt(++i);
                switch (e) {
                    case 'n': sb.append('\n'); break;
                    case 't': sb.append('\t'); break;
                    case 'r': sb.append('\r'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'u': sb.append((char) Integer.parseInt(line.substring(i + 1, i + 5), 16)); i += 4; break;
                    default: sb.append(e);
                }
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    static List<Doc> readJsonl(Path p) throws IOException {
        List<Doc> out = new ArrayList<>();
        for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            out.add(new Doc(jsonString(line, "_id"), jsonString(line, "title"), jsonString(line, "text")));
        }
        return out;
    }

    static CharArraySet vajraStopwords(Path stopwordsC) throws IOException {
        String src = Files.readString(stopwordsC);
        int a = src.indexOf("stopwords[] = {"), b = src.indexOf("};", a);
        Matcher m = Pattern.compile("\"([^\"]+)\"").matcher(src.substring(a, b));
        List<String> words = new ArrayList<>();
        while (m.find()) words.add(m.group(1));
        if (words.size() < 100) throw new IOException(stopwordsC + ": expected the stopword array");
        return CharArraySet.unmodifiableSet(new CharArraySet(words, false));
    }

    static Analyzer analyzer(CharArraySet stop) {
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String field) {
                Tokenizer tok = CharTokenizer.fromTokenCharPredicate(Character::isLetterOrDigit);
                TokenStream ts = new LowerCaseFilter(tok);
                ts = new StopFilter(ts, stop);
                ts = new SnowballFilter(ts, new EnglishStemmer());
                return new TokenStreamComponents(tok, ts);
            }
        };
    }

    static Query query(Analyzer an, String text) throws IOException {
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        int n = 0;
        try (TokenStream ts = an.tokenStream(FIELD, text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                if (n++ < BooleanQuery.getMaxClauseCount())
                    b.add(new TermQuery(new Term(FIELD, term.toString())), BooleanClause.Occur.SHOULD);
            }
            ts.end();
        }
        return n == 0 ? null : b.build();
    }

    static double build(Path where, Analyzer an, List<Doc> docs) throws IOException {
        long t0 = System.nanoTime();
        IndexWriterConfig cfg = new IndexWriterConfig(an);
        cfg.setSimilarity(new BM25Similarity(1.2f, 0.75f));
        cfg.setRAMBufferSizeMB(256);
        cfg.setOpenMode(IndexWriterConfig.OpenMode.CREATE);
        try (MMapDirectory dir = new MMapDirectory(where); IndexWriter w = new IndexWriter(dir, cfg)) {
            for (Doc d : docs) {
                Document doc = new Document();
                doc.add(new StoredField("id", d.id));
                doc.add(new TextField(FIELD, d.all(), Field.Store.NO));
                w.addDocument(doc);
            }
            w.commit();
            w.forceMerge(1);
            w.commit();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    static IndexSearcher searcher(DirectoryReader r) {
        IndexSearcher s = new IndexSearcher(r);
        s.setSimilarity(new BM25Similarity(1.2f, 0.75f));
        return s;
    }

    static void deleteTree(Path p) throws IOException {
        try (var walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        }
    }

    static void cranfield(Path data, Analyzer an, String evalrun, Path runDir) throws Exception {
        List<Doc> docs = readJsonl(data.resolve("cranfield/corpus.jsonl"));
        List<Doc> queries = readJsonl(data.resolve("cranfield/queries.jsonl"));
        Path where = Files.createTempDirectory("vajra-lucene-cranfield-");
        double buildS = build(where, an, docs);
        Path run = runDir.resolve("lucene-cranfield.run");
        StringBuilder sb = new StringBuilder();
        try (MMapDirectory dir = new MMapDirectory(where); DirectoryReader r = DirectoryReader.open(dir)) {
            IndexSearcher s = searcher(r);
            for (Doc q : queries) {
                Query lq = query(an, q.all());
                if (lq == null) continue;
                TopDocs td = s.search(lq, EVAL_DEPTH);
                int rank = 1;
                for (ScoreDoc sd : td.scoreDocs)
                    sb.append(q.id).append(" Q0 ").append(r.document(sd.doc).get("id")).append(' ')
                      .append(rank++).append(' ').append(sd.score).append(" lucene\n");
            }
        }
        Files.writeString(run, sb.toString());
        deleteTree(where);
        System.out.printf("# lucene %s cranfield: build %.3f s; run written to %s%n", Version.LATEST, buildS, run);
        if (evalrun != null) {
            Process p = new ProcessBuilder(evalrun, data.resolve("cranfield/qrels.tsv").toString(), run.toString(),
                                           "lucene", "cranfield").inheritIO().start();
            if (p.waitFor() != 0) throw new IOException("compare-evalrun failed");
        }
    }

    static void wordnet(Path data, Analyzer an) throws Exception {
        List<Doc> docs = readJsonl(data.resolve("wordnet/corpus.jsonl"));
        List<Doc> queries = readJsonl(data.resolve("wordnet/queries.jsonl"));
        Path where = Files.createTempDirectory("vajra-lucene-wordnet-");
        double buildS = build(where, an, docs);
        int nq = queries.size();
        double[] lat = new double[nq];
        long hits = 0;
        double elapsed;
        try (MMapDirectory dir = new MMapDirectory(where); DirectoryReader r = DirectoryReader.open(dir)) {
            IndexSearcher s = searcher(r);
            for (int pass = 0; pass < 2; pass++) // warm-up: JIT, page cache
                for (Doc q : queries) {
                    Query lq = query(an, q.all());
                    if (lq != null) hits += s.search(lq, 10).scoreDocs.length;
                }
            long t0 = System.nanoTime();
            for (int i = 0; i < nq; i++) {
                long a = System.nanoTime();
                Query lq = query(an, queries.get(i).all());
                if (lq != null) hits += s.search(lq, 10).scoreDocs.length;
                lat[i] = (System.nanoTime() - a) / 1e6;
            }
            elapsed = (System.nanoTime() - t0) / 1e9;
        }
        deleteTree(where);
        Arrays.sort(lat);
        double p50 = lat[Math.max(0, (int) Math.ceil(0.50 * nq) - 1)];
        double p95 = lat[Math.max(0, (int) Math.ceil(0.95 * nq) - 1)];
        System.out.printf("# lucene %s wordnet: %d docs build %.3f s (adds + commit + forceMerge(1)); %d queries top-10 "
                          + "p50 %.3f ms p95 %.3f ms QPS %.0f (1 thread)%n",
                          Version.LATEST, docs.size(), buildS, nq, p50, p95, nq / elapsed);
        System.out.printf("{\"peer\":\"lucene\",\"version\":\"%s\",\"set\":\"wordnet\",\"docs\":%d,\"queries\":%d,"
                          + "\"build_s\":%.3f,\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"qps\":%.1f,\"threads\":1,\"hits\":%d}%n",
                          Version.LATEST, docs.size(), nq, buildS, p50, p95, nq / elapsed, hits);
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: CompareLucene DATA_DIR STOPWORDS_C [EVALRUN [RUN_DIR]]");
            System.exit(2);
        }
        Path data = Paths.get(args[0]);
        Analyzer an = analyzer(vajraStopwords(Paths.get(args[1])));
        String evalrun = args.length > 2 && !args[2].isEmpty() ? args[2] : null;
        Path runDir = Paths.get(args.length > 3 ? args[3] : System.getProperty("java.io.tmpdir"));
        cranfield(data, an, evalrun, runDir);
        wordnet(data, an);
    }
}
