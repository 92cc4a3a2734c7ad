package io.cis.worker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cis.worker.config.RawSettings;
import io.cis.worker.config.Settings;
import io.cis.worker.source.DeadLetterQueue;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import software.amazon.awssdk.services.sqs.SqsClient;

@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = {"Inspect the dead-letter queue and move its messages back to the worker queue.",
                "The queue is SQS_QUEUE_URL; the DLQ is SQS_DLQ_URL, or else the target of the queue's RedrivePolicy."},
        subcommands = {DlqCommand.ListCommand.class, DlqCommand.RedriveCommand.class})
public final class DlqCommand {

    /** The options both subcommands take, and running an action against the DLQ they name. */
    static final class QueueOptions {

        @Mixin
        ConfigOptions config;

        @Option(names = "--queue-url", description = "Main queue (default: SQS_QUEUE_URL).")
        String queueUrl;

        @Option(names = "--dlq-url", description = "Dead-letter queue (default: SQS_DLQ_URL if the queue is SQS_QUEUE_URL, "
                + "else the target of the queue's RedrivePolicy).")
        String dlqUrl;

        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        /**
         * The two queues: from the options, else the settings, else the DLQ from the queue's RedrivePolicy. SQS_DLQ_URL
         * is used only with SQS_QUEUE_URL: with another queue given by --queue-url it could belong to a different queue.
         */
        DeadLetterQueue open(SqsClient sqs) {
            RawSettings settings = config.raw();
            String queue = queueUrl != null ? queueUrl : settings.valueOf(Settings.SQS_QUEUE_URL);
            if (queue.isBlank()) {
                throw new IllegalArgumentException("no queue: pass --queue-url or set SQS_QUEUE_URL");
            }
            String dlq = dlqUrl != null ? dlqUrl : queueUrl != null ? "" : settings.valueOf(Settings.SQS_DLQ_URL);
            if (dlq.isBlank()) {
                dlq = DeadLetterQueue.discoverUrl(sqs, queue);
            }
            return new DeadLetterQueue(sqs, queue, dlq);
        }

        /** Runs an action against the DLQ; usage problems and SQS errors become one line on stderr and exit 2 or 1. */
        int run(java.util.function.ToIntBiFunction<DeadLetterQueue, PrintWriter> action) {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (SqsClient sqs = SqsClient.create()) {
                DeadLetterQueue dlq = open(sqs);
                return action.applyAsInt(dlq, out);
            } catch (IllegalArgumentException e) {
                err.println("dlq: " + e.getMessage());
                return 2;
            } catch (RuntimeException e) {
                err.println("dlq: " + e);
                return 1;
            } finally {
                out.flush();
                err.flush();
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List dead-lettered messages: id, receive count, sent time, first record's S3 URL, body excerpt.",
                    "Listing receives the messages (SQS has no peek) and makes them visible again at the end;",
                    "the receive count shown includes that receive."})
    static final class ListCommand implements Callable<Integer> {

        private static final ObjectMapper JSON = new ObjectMapper();

        @Mixin
        QueueOptions queues;

        @Option(names = "--max", defaultValue = "100", description = "List at most this many (default: ${DEFAULT-VALUE}).")
        int max;

        @Option(names = "--json", description = "One JSON object per message instead of columns.")
        boolean json;

        @Override
        public Integer call() {
            return queues.run((dlq, out) -> {
                List<DeadLetterQueue.Entry> entries = dlq.list(Math.max(0, max));
                for (DeadLetterQueue.Entry e : entries) {
                    out.println(json ? toJson(e) : String.join("\t", e.messageId(), "receives=" + e.receiveCount(),
                            e.sentAt() == null ? "-" : e.sentAt().toString(), e.s3Url() == null ? "-" : e.s3Url(),
                            e.bodyExcerpt()));
                }
                if (!json) {
                    out.println(entries.size() + " message(s) listed from " + dlq.url()
                            + (entries.size() == max ? " (--max reached; there may be more)" : ""));
                }
                return 0;
            });
        }

        private static String toJson(DeadLetterQueue.Entry e) {
            ObjectNode node = JSON.createObjectNode();
            node.put("message_id", e.messageId());
            node.put("receive_count", e.receiveCount());
            node.put("sent_at", e.sentAt() == null ? null : e.sentAt().toString());
            node.put("s3_url", e.s3Url());
            node.put("body_excerpt", e.bodyExcerpt());
            return node.toString();
        }
    }

    @Command(name = "redrive", mixinStandardHelpOptions = true,
            description = {"Move dead-lettered messages back to the worker queue (send a copy, then delete the original).",
                    "Fix the cause first, or they will come back."})
    static final class RedriveCommand implements Callable<Integer> {

        @Mixin
        QueueOptions queues;

        @Option(names = "--max", description = "Move at most this many (default: all).")
        Integer max;

        @Override
        public Integer call() {
            return queues.run((dlq, out) -> {
                DeadLetterQueue.RedriveResult result = dlq.redrive(max == null ? Integer.MAX_VALUE : Math.max(0, max));
                out.println("moved " + result.moved() + " message(s) from " + dlq.url() + " to the worker queue"
                        + (result.failed() > 0 ? "; " + result.failed() + " could not be sent and stay in the DLQ" : ""));
                return result.failed() == 0 ? 0 : 1;
            });
        }
    }
}
