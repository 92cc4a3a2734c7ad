package io.cis.worker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cis.worker.config.WorkerConfig;
import io.cis.worker.app.Application;
import io.cis.worker.index.DocumentFields;
import io.cis.worker.index.KnnSearch;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import org.opensearch.client.opensearch.OpenSearchClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.s3.S3Client;

@Command(name = "demo-report", mixinStandardHelpOptions = true,
        description = {"Summarise a worker run from its JSON log (key -> outcome, images/s), show the k nearest",
                "neighbours of one image by a k-NN query, and write an HTML page with thumbnails to judge them by eye."})
public final class DemoReportCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ConfigOptions config;

    @Option(names = "--log", required = true, description = "The worker's log (JSON lines).")
    Path log;

    @Option(names = "--query-key", required = true, description = "S3 key of the image whose neighbours to show.")
    String queryKey;

    @Option(names = "--bucket", required = true)
    String bucket;

    @Option(names = "-k", defaultValue = "5")
    int k;

    @Option(names = "--html", description = "Write the neighbours page here.")
    Path html;

    @Override
    public Integer call() throws Exception {
        WorkerConfig workerConfig = config.load(WorkerConfig.Scope.INDEX_ONLY);
        Map<String, JsonNode> outcomes = readOutcomes();
        printOutcomeTable(outcomes);
        OpenSearchClient client = Application.openSearchClient(workerConfig.index());
        try (S3Client s3 = S3Client.builder().forcePathStyle(workerConfig.objects().s3ForcePathStyle()).build()) {
            String index = workerConfig.index().indexName();
            JsonNode query = outcomes.get("s3://" + bucket + "/" + queryKey);
            String documentId = query == null ? queryKey : query.path("document_id").asText(queryKey);
            var doc = client.get(g -> g.index(index).id(documentId), ObjectNode.class);
            if (!doc.found() || !doc.source().has(DocumentFields.IMAGE_EMBEDDING)) {
                System.err.println("no embedded document for " + queryKey);
                return 1;
            }
            float[] vector = floats(doc.source().path(DocumentFields.IMAGE_EMBEDDING));
            List<KnnSearch.Neighbour> neighbours = new KnnSearch(client, index).nearest(vector, k + 1);
            System.out.println();
            System.out.println("Nearest neighbours of " + queryKey + " (k-NN query on " + DocumentFields.IMAGE_EMBEDDING + "):");
            for (KnnSearch.Neighbour n : neighbours) {
                System.out.printf("  %.4f  %s%n", n.score(), n.s3Key() != null ? n.s3Key() : n.id());
            }
            if (html != null) {
                writeHtml(s3, neighbours);
                System.out.println("\nOpen " + html.toAbsolutePath() + " to judge the neighbours by eye.");
            }
        } finally {
            client._transport().close();
        }
        return 0;
    }

    private Map<String, JsonNode> readOutcomes() throws Exception {
        Map<String, JsonNode> outcomes = new LinkedHashMap<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            if (!line.startsWith("{")) {
                continue;
            }
            JsonNode node = JSON.readTree(line);
            if (node.hasNonNull("outcome") && node.hasNonNull("s3_url")) {
                outcomes.put(node.path("s3_url").asText(), node);
            }
        }
        return outcomes;
    }

    private static void printOutcomeTable(Map<String, JsonNode> outcomes) {
        int width = outcomes.keySet().stream().mapToInt(String::length).max().orElse(10);
        System.out.printf("%-" + width + "s  %-16s  %s%n", "object", "outcome", "reason");
        Instant first = null;
        Instant last = null;
        int indexed = 0;
        for (Map.Entry<String, JsonNode> e : outcomes.entrySet()) {
            JsonNode line = e.getValue();
            System.out.printf("%-" + width + "s  %-16s  %s%s%n", e.getKey(), line.path("outcome").asText(),
                    line.path("reason").asText(), line.path("cache_hit").asBoolean() ? "(cache hit)" : "");
            Instant at = Instant.parse(line.path("@timestamp").asText());
            first = first == null || at.isBefore(first) ? at : first;
            last = last == null || at.isAfter(last) ? at : last;
            if ("indexed".equals(line.path("outcome").asText())) {
                indexed++;
            }
        }
        if (first != null) {
            double seconds = Math.max(0.001, Duration.between(first, last).toMillis() / 1000.0);
            System.out.printf("%n%d objects, %d indexed; %.1f images/s between the first and the last outcome (%.1f s)%n",
                    outcomes.size(), indexed, indexed / seconds, seconds);
        }
    }

    private void writeHtml(S3Client s3, List<KnnSearch.Neighbour> neighbours) throws Exception {
        StringBuilder page = new StringBuilder("""
                <!doctype html><meta charset="utf-8"><title>cis-worker: nearest neighbours</title>
                <style>body{font-family:sans-serif;margin:2em} figure{display:inline-block;margin:8px;text-align:center;
                width:180px;vertical-align:top} img{max-width:170px;max-height:170px;border:1px solid #ccc}
                .query img{border:3px solid #c00} figcaption{font-size:12px;word-break:break-all}</style>
                <h1>Nearest neighbours by CLIP image embedding</h1>
                <p>Scores are OpenSearch k-NN scores (cosine similarity mapped to 0..1). If the worker ran with the bundled
                test model, its weights are random and neighbours are not semantic: point MODEL_PATH at the exported
                openai/clip-vit-base-patch32 for real results.</p>
                """);
        for (int i = 0; i < neighbours.size(); i++) {
            KnnSearch.Neighbour n = neighbours.get(i);
            String key = n.s3Key() != null ? n.s3Key() : n.id();
            boolean isQuery = key.equals(queryKey);
            page.append("<figure class=\"").append(isQuery ? "query" : "").append("\"><img src=\"")
                    .append(thumbnail(s3, key)).append("\"><figcaption>").append(isQuery ? "query<br>" : "")
                    .append(escape(key)).append("<br>score ").append(String.format("%.4f", n.score()))
                    .append("</figcaption></figure>\n");
        }
        Files.writeString(html, page.toString());
    }

    /** A small PNG data URI of the object, or an empty image if it cannot be read here. */
    private String thumbnail(S3Client s3, String key) {
        try {
            byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray();
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
            if (image == null) {
                return "";
            }
            double scale = Math.min(1.0, 170.0 / Math.max(image.getWidth(), image.getHeight()));
            int w = Math.max(1, (int) (image.getWidth() * scale));
            int h = Math.max(1, (int) (image.getHeight() * scale));
            BufferedImage thumb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = thumb.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, w, h, null);
            g.dispose();
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            ImageIO.write(thumb, "png", png);
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
        } catch (Exception e) {
            return "";
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static float[] floats(JsonNode array) {
        List<Float> values = new ArrayList<>();
        array.forEach(v -> values.add((float) v.asDouble()));
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
