import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Starts DynamoDB Local bound to one host only (scripts/local-stack.sh passes 127.0.0.1).
 *
 * <p>The stock {@code ServerRunner} always listens on all interfaces. This launcher lets it parse its usual
 * options ({@code -inMemory -sharedDb -port N -disableTelemetry}), then sets the host on the Jetty connector
 * before the server starts. Run with the JDK's single-file source launcher:
 * {@code java -cp <DynamoDBLocal jars> DynamoDbLocalLauncher.java <host> <DynamoDB Local options...>}.
 */
public class DynamoDbLocalLauncher {
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: DynamoDbLocalLauncher <bind-host> [DynamoDB Local options...]");
            System.exit(2);
        }
        String host = args[0];
        String[] options = java.util.Arrays.copyOfRange(args, 1, args.length);

        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(options);
        for (Connector connector : jettyServerOf(proxy).getConnectors()) {
            ((ServerConnector) connector).setHost(host);
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on " + host + " with options " + String.join(" ", options));
    }

    /** DynamoDB Local keeps its Jetty server in a private field and offers no way to choose the host. */
    private static Server jettyServerOf(DynamoDBProxyServer proxy) throws ReflectiveOperationException {
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        return (Server) field.get(proxy);
    }
}
