package dev.mmsearch.inference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mmsearch.inference.bundle.TextBundle;
import dev.mmsearch.inference.bundle.TextSide;
import dev.mmsearch.inference.onnx.OnnxTextEncoder;
import dev.mmsearch.inference.onnx.TextTokenizer;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * bge-small-zh-v1.5 retrieves the right answer for hand-written Chinese questions: every question
 * (query side, with the model's instruction prefix) is scored by dense cosine against all answers
 * (document side) and its own answer must rank first. Several questions use capitalised English
 * words, which only work because the manifest lower-cases text for this model.
 */
class ChineseRetrievalTest {

    /** question, answer; the answers are the candidate pool. */
    private static final List<String[]> PAIRS = List.of(
            new String[] {"GPU 在深度学习中有什么作用？", "图形处理器（GPU）可以并行执行大量矩阵运算，因此能大幅加快神经网络的训练速度。"},
            new String[] {"NASA 是哪个国家的航天机构？", "美国国家航空航天局（NASA）负责美国的太空探索和航空研究。"},
            new String[] {"iPhone 是哪家公司生产的手机？", "iPhone 是苹果公司设计和销售的智能手机系列，第一代于2007年发布。"},
            new String[] {"CPU 和内存有什么区别？", "中央处理器（CPU）负责执行计算指令，而内存用于临时存放正在运行的程序和数据。"},
            new String[] {"WHO 对预防传染病有什么建议？", "世界卫生组织（WHO）建议勤洗手、保持社交距离，并在人群密集场所佩戴口罩。"},
            new String[] {"长城有多长？", "万里长城全长两万多公里，横跨中国北方多个省份。"},
            new String[] {"怎样做西红柿炒鸡蛋？", "先把鸡蛋炒熟盛出，再炒西红柿出汁，最后把鸡蛋倒回锅里加盐翻炒即可。"},
            new String[] {"大熊猫主要吃什么？", "大熊猫的食物百分之九十以上是竹子，偶尔也会吃一些小动物。"},
            new String[] {"感冒了应该注意什么？", "感冒时要多喝水、注意休息，如果高烧不退应及时去医院就诊。"},
            new String[] {"水的沸点是多少度？", "在标准大气压下，纯水在摄氏一百度时沸腾。"},
            new String[] {"北京的冬天冷不冷？", "北京冬季寒冷干燥，一月份平均气温在零下几度左右。"},
            new String[] {"如何提高英语口语？", "多听多说是提高英语口语的关键，可以每天跟读英文材料并找人练习对话。"});

    private static OnnxTextEncoder encoder;

    @BeforeAll
    static void load() {
        encoder = TestModels.encoder("bge-small-zh-v1.5");
    }

    @Test
    void manifestLowercasesAndUsesTheChineseInstruction() {
        assertThat(encoder.manifest().lowercase()).isTrue();
        assertThat(encoder.manifest().queryPrefix()).isEqualTo("为这个句子生成表示以用于检索相关文章：");
        assertThat(encoder.dimension()).isEqualTo(512);
    }

    @Test
    void everyQuestionRanksItsOwnAnswerFirst() {
        List<String> questions = PAIRS.stream().map(p -> p[0]).toList();
        List<String> answers = PAIRS.stream().map(p -> p[1]).toList();
        float[][] q = encoder.encodeQueries(questions);
        float[][] a = encoder.encodeDocuments(answers);
        for (int i = 0; i < q.length; i++) {
            int best = -1;
            double bestScore = -2;
            double secondScore = -2;
            for (int j = 0; j < a.length; j++) {
                double score = TestModels.cosine(q[i], a[j]);
                if (score > bestScore) {
                    secondScore = bestScore;
                    bestScore = score;
                    best = j;
                } else if (score > secondScore) {
                    secondScore = score;
                }
            }
            assertThat(best).as("top answer for '%s' (score %.3f, runner-up %.3f) is '%s'", questions.get(i),
                    bestScore, secondScore, answers.get(best)).isEqualTo(i);
        }
    }

    @Test
    void withoutLowercasingCapitalisedEnglishBecomesUnknownTokens() {
        TextBundle bundle = TestModels.bundle("bge-small-zh-v1.5");
        try (TextTokenizer raw = TextTokenizer.open(bundle.tokenizerFile(), 512, false);
             TextTokenizer lowered = TextTokenizer.open(bundle.tokenizerFile(), 512, true)) {
            for (String word : List.of("GPU", "NASA", "iPhone", "CPU", "WHO")) {
                String text = word + " 是什么？";
                assertThat(raw.tokenize(text).tokens()).as("tokens of '%s' without lower-casing", text)
                        .contains("[UNK]");
                assertThat(lowered.tokenize(text).tokens()).as("tokens of '%s' lower-cased", text)
                        .doesNotContain("[UNK]");
            }
        }
        // and the encoder's own tokenizer is the lower-casing one
        assertThat(encoder.tokenize("iPhone 和 GPU", TextSide.DOCUMENT).tokens()).doesNotContain("[UNK]");
    }
}
