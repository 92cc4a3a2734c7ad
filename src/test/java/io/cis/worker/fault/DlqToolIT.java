package io.cis.worker.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cis.worker.cli.RootCommand;
import io.cis.worker.testing.LocalStack;
import io.cis.worker.testing.TestQueues;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

/** `cis-worker dlq list|redrive` against ElasticMQ, with a message dead-lettered by the queue's own redrive policy. */
class DlqToolIT {

    private final SqsClient sqs = LocalStack.sqs();
    private final TestQueues queues = TestQueues.create(sqs, "dlq-tool", 1, 30);

    @AfterEach
    void cleanUp() {
        queues.delete();
        sqs.close();
    }

    @Test
    void listsAndRedrivesDeadLetters() throws InterruptedException {
        deadLetterByRedrivePolicy("{\"id\":\"doc-1\",\"s3_url\":\"s3://photos/a/cat.jpg\"}");
        sqs.sendMessage(b -> b.queueUrl(queues.dlqUrl()).messageBody("{not json at all"));
        sqs.sendMessage(b -> b.queueUrl(queues.dlqUrl()).messageBody(S3_EVENT));
        assertEquals(3, queues.count(queues.dlqUrl()));

        // The DLQ is discovered from the queue's RedrivePolicy: only the queue URL is given.
        Run list = dlq("list", "--queue-url", queues.queueUrl());
        assertEquals(0, list.exitCode, list.err);
        List<String> lines = list.lines();
        assertEquals(4, lines.size(), list.out);
        assertTrue(lines.get(3).startsWith("3 message(s) listed from " + queues.dlqUrl()), lines.get(3));
        Set<String> urls = lines.subList(0, 3).stream().map(l -> l.split("\t")[3]).collect(Collectors.toSet());
        assertEquals(Set.of("s3://photos/a/cat.jpg", "-", "s3://photos/b/dog one.png"), urls);
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("{not json at all")), list.out);
        // The dead-lettered one was received by the queue once and by the listing once.
        assertTrue(lines.stream().filter(l -> l.contains("cat.jpg")).allMatch(l -> l.contains("receives=")), list.out);

        // Listing is not destructive: the messages are visible again at once.
        assertEquals(3, visible(queues.dlqUrl()));

        Run some = dlq("redrive", "--max", "2", "--queue-url", queues.queueUrl(), "--dlq-url", queues.dlqUrl());
        assertEquals(0, some.exitCode, some.err);
        assertTrue(some.out.startsWith("moved 2 message(s)"), some.out);
        assertEquals(2, queues.count(queues.queueUrl()));
        assertEquals(1, queues.count(queues.dlqUrl()));

        Run rest = dlq("redrive", "--queue-url", queues.queueUrl());
        assertEquals(0, rest.exitCode, rest.err);
        assertTrue(rest.out.startsWith("moved 1 message(s)"), rest.out);
        assertEquals(0, queues.count(queues.dlqUrl()));
        List<String> bodies = receiveAll(queues.queueUrl());
        assertEquals(3, bodies.size());
        assertTrue(bodies.contains("{not json at all"));
        assertTrue(bodies.contains(S3_EVENT));
    }

    @Test
    void aQueueWithoutDeadLetterQueueIsAClearError() {
        String plain = sqs.createQueue(b -> b.queueName("dlq-tool-plain-" + System.nanoTime())).queueUrl();
        try {
            Run run = dlq("list", "--queue-url", plain);
            assertEquals(1, run.exitCode);
            assertTrue(run.err.contains("has no RedrivePolicy"), run.err);
        } finally {
            sqs.deleteQueue(b -> b.queueUrl(plain));
        }
    }

    private static final String S3_EVENT = "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\","
            + "\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"photos\"},"
            + "\"object\":{\"key\":\"b/dog+one.png\",\"size\":10}}}]}";

    /** maxReceiveCount is 1: receive once without deleting, let it come back, and the next receive dead-letters it. */
    private void deadLetterByRedrivePolicy(String body) throws InterruptedException {
        queues.send(body);
        List<Message> first = sqs.receiveMessage(b -> b.queueUrl(queues.queueUrl()).waitTimeSeconds(2).visibilityTimeout(1)).messages();
        assertEquals(1, first.size());
        Thread.sleep(1_500);
        List<Message> second = sqs.receiveMessage(b -> b.queueUrl(queues.queueUrl()).waitTimeSeconds(1)).messages();
        assertEquals(0, second.size(), "the second receive moves it to the DLQ instead");
        assertEquals(1, queues.count(queues.dlqUrl()));
    }

    private int visible(String url) {
        return Integer.parseInt(sqs.getQueueAttributes(b -> b.queueUrl(url).attributeNamesWithStrings("ApproximateNumberOfMessages"))
                .attributesAsStrings().get("ApproximateNumberOfMessages"));
    }

    private List<String> receiveAll(String url) {
        List<String> bodies = new java.util.ArrayList<>();
        while (true) {
            List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
            if (messages.isEmpty()) {
                return bodies;
            }
            messages.forEach(m -> bodies.add(m.body()));
        }
    }

    private record Run(int exitCode, String out, String err) {
        List<String> lines() {
            return Arrays.stream(out.split("\n")).filter(l -> !l.isBlank()).toList();
        }
    }

    private static Run dlq(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new RootCommand());
        command.setOut(new PrintWriter(out));
        command.setErr(new PrintWriter(err));
        String[] full = new String[args.length + 1];
        full[0] = "dlq";
        System.arraycopy(args, 0, full, 1, args.length);
        int exit = command.execute(full);
        return new Run(exit, out.toString(), err.toString());
    }
}
