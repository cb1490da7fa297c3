package dev.facta.rabbitmq;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.facta.outbox.Inbox;
import dev.facta.outbox.InboxHandler;
import dev.facta.outbox.OutboxBrokerContract;
import dev.facta.outbox.OutboxPublisher;
import dev.facta.store.EventData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox contract against the local RabbitMQ (127.0.0.1:5672, guest/guest): a topic exchange and
 * a queue bound for category {@code order} per test, deleted afterwards. Category {@code lost} has no
 * binding until {@link #acceptPoison}: its messages come back as returned and are refused.
 */
class RabbitOutboxTest extends OutboxBrokerContract {
    private static final InetSocketAddress BROKER = new InetSocketAddress("127.0.0.1", 5672);
    private static Connection admin;

    static ConnectionFactory factory(int port) {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost("127.0.0.1");
        f.setPort(port);
        f.setUsername("guest");
        f.setPassword("guest");
        f.setConnectionTimeout(3000);
        return f;
    }

    @BeforeAll
    static void connect() throws Exception {
        assumeReachable(BROKER, "RabbitMQ");
        admin = factory(5672).newConnection("facta-test-admin");
    }

    @AfterAll
    static void disconnect() throws Exception {
        if (admin != null) admin.close();
    }

    @Override
    protected InetSocketAddress brokerAddress() {
        return BROKER;
    }

    @Override
    protected void createDestination(String name) throws Exception {
        try (Channel ch = admin.createChannel()) {
            ch.exchangeDeclare(name, "topic", true);
            ch.queueDeclare(name, true, false, false, null);
            ch.queueBind(name, name, "order");
        }
    }

    @Override
    protected void deleteDestination(String name) throws Exception {
        try (Channel ch = admin.createChannel()) {
            ch.queueDelete(name);
            ch.exchangeDelete(name);
        }
    }

    @Override
    protected OutboxPublisher publisher(String name, InetSocketAddress via) {
        return RabbitPublisher.builder(factory(via.getPort()), name).build();
    }

    @Override
    protected AutoCloseable consume(String name, Inbox inbox, InboxHandler handler) {
        return RabbitSubscriber.builder(factory(5672), name, inbox, handler).start();
    }

    @Override
    protected String poisonStream() {
        return "lost-1";
    }

    @Override
    protected EventData poisonEvent() {
        return event(1);
    }

    @Override
    protected void acceptPoison(String name) throws Exception {
        try (Channel ch = admin.createChannel()) {
            ch.queueBind(name, name, "lost");
        }
    }

    @Test
    void duplicatesReachTheQueueAndTheInboxDropsThem() throws Exception {
        startConsumer();
        for (int i = 0; i < 6; i++) append("order-1", event(i));
        java.util.concurrent.atomic.AtomicBoolean acked = new java.util.concurrent.atomic.AtomicBoolean();
        var dying = start(relay(counted(BROKER)).onDelivered(b -> {
            acked.set(true);
            throw new IllegalStateException("killed");
        }).build());
        await("acknowledged", Duration.ofSeconds(20), acked::get);
        dying.close();
        start(relay(counted(BROKER)).build());
        await("checkpoint", Duration.ofSeconds(20), () -> store.list().getFirst().checkpoints().getFirst() == 6L);
        await("duplicates dropped", Duration.ofSeconds(20), () -> inbox.duplicatesDropped() >= 6);
        assertThat(dev.facta.outbox.EffectLog.read(inbox).get("order-1")).isEqualTo(dev.facta.outbox.EffectLog.upTo(6));
    }
}
