package dev.facta.spring.boot;

import com.zaxxer.hikari.HikariDataSource;
import dev.facta.InvalidInputException;
import dev.facta.command.CommandBus;
import dev.facta.command.CommandHandler;
import dev.facta.eventbus.EventBus;
import dev.facta.postgres.BeforeCommit;
import dev.facta.postgres.PostgresEventStore;
import dev.facta.projection.Projection;
import dev.facta.projection.ProjectionContext;
import dev.facta.projection.ProjectionEngine;
import dev.facta.query.QueryBus;
import dev.facta.query.QueryHandler;
import dev.facta.readmodel.DocumentCodec;
import dev.facta.readmodel.ReadModelStore;
import dev.facta.saga.CommandCodec;
import dev.facta.saga.ProcessManager;
import dev.facta.saga.SagaRuntime;
import dev.facta.sqlite.SqliteEventStore;
import dev.facta.store.EventData;
import dev.facta.store.EventStore;
import dev.facta.store.ExpectedVersion;
import dev.facta.store.RecordedEvent;
import dev.facta.store.StreamId;
import dev.facta.store.memory.InMemoryEventStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The auto-configuration's conditions, each in a fresh application context. */
class FactaAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(FactaAutoConfiguration.class));

    record Greet(String name) {
    }

    record CountGreetings(String stream) {
    }

    @Configuration(proxyBeanMethods = false)
    static class Handlers {
        @Bean
        CommandHandler<Greet, Long> greet(EventStore store) {
            return command -> store.append(StreamId.of("greeting-" + command.payload().name()), ExpectedVersion.any(),
                    EventData.of("Greeted", "{\"name\":\"" + command.payload().name() + "\"}")).nextExpectedVersion();
        }

        @Bean
        QueryHandler<CountGreetings, Integer> count(EventStore store) {
            return query -> store.readStream(StreamId.of(query.stream())).size();
        }
    }

    /** Copies each greeting into the read model "greetings". */
    static class Greetings implements Projection {
        @Override
        public String name() {
            return "greetings";
        }

        @Override
        public java.util.Set<String> collections() {
            return java.util.Set.of("greetings");
        }

        @Override
        public void apply(RecordedEvent event, ProjectionContext context) {
            context.collection("greetings", DocumentCodec.json()).put(event.stream().value(), event.dataAsString());
        }
    }

    @Test
    void without_a_url_or_data_source_the_store_is_in_memory_and_the_buses_exist() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(EventStore.class)).isInstanceOf(InMemoryEventStore.class);
            assertThat(context).hasSingleBean(CommandBus.class).hasSingleBean(QueryBus.class).hasSingleBean(EventBus.class)
                    .hasSingleBean(ReadModelStore.class).hasSingleBean(FactaHealthIndicator.class)
                    .doesNotHaveBean(ProjectionEngine.class).doesNotHaveBean(SagaRuntime.class);
            assertThat(context.getBean(FactaHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);
        });
    }

    @Test
    void a_store_that_does_not_answer_is_reported_down() {
        EventStore closed = dev.facta.store.EventStores.open("memory:");
        closed.close();
        runner.withBean(EventStore.class, () -> closed).run(context -> {
            var health = context.getBean(FactaHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsKey("store");
        });
    }

    @Test
    void configuration_metadata_for_ide_completion_is_generated() throws Exception {
        try (var in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(json).contains("\"facta.store.url\"", "\"facta.store.schema\"", "\"facta.projections.auto-start\"",
                    "\"facta.health.timeout\"", "\"facta.commands.validation\"");
        }
    }

    @Test
    void the_store_url_opens_that_store(@TempDir Path dir) {
        runner.withPropertyValues("facta.store.url=sqlite:" + dir.resolve("facta.db")).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(EventStore.class)).isInstanceOf(SqliteEventStore.class);
        });
    }

    @Test
    void a_bad_store_url_fails_the_context_with_a_clear_error() {
        runner.withPropertyValues("facta.store.url=nosuch://x").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("nosuch://x");
        });
    }

    @Test
    void handler_beans_are_registered_on_the_buses_by_their_declared_message_types() {
        runner.withUserConfiguration(Handlers.class).run(context -> {
            CommandBus commands = context.getBean(CommandBus.class);
            assertThat(commands.handledTypes()).containsExactly(Greet.class);
            long next = commands.dispatch(new Greet("ann"));
            commands.<Long>dispatch(new Greet("ann"));
            assertThat(next).as("the version of the first greeting").isZero();
            int n = context.getBean(QueryBus.class).query(new CountGreetings("greeting-ann"));
            assertThat(n).isEqualTo(2);
        });
    }

    @Test
    void a_handler_whose_message_type_cannot_be_told_is_refused() {
        runner.withBean("untyped", CommandHandler.class, () -> command -> null).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("untyped");
        });
    }

    @Test
    void projection_beans_run_in_a_started_engine_into_the_read_model() {
        runner.withUserConfiguration(Handlers.class).withBean(Greetings.class).run(context -> {
            ProjectionEngine engine = context.getBean(ProjectionEngine.class);
            context.getBean(CommandBus.class).dispatch(new Greet("bob"));
            assertThat(engine.awaitCaughtUp("greetings", Duration.ofSeconds(20))).isTrue();
            assertThat(engine.readModel("greetings", "greetings", DocumentCodec.json()).get("greeting-bob"))
                    .contains("{\"name\":\"bob\"}");
        });
    }

    @Test
    void process_manager_beans_run_in_a_started_saga_runtime() {
        ProcessManager<String> greeter = ProcessManager.builder("greeter", DocumentCodec.json())
                .startedBy("Greeted", e -> e.stream().value(), (e, ctx) -> "{\"greeted\":true}")
                .build();
        CommandCodec codec = new CommandCodec() {
            @Override
            public Encoded encode(Object command) {
                throw new IllegalStateException("the greeter issues no commands");
            }

            @Override
            public Object decode(String type, String json) {
                throw new IllegalStateException("the greeter issues no commands");
            }
        };
        runner.withUserConfiguration(Handlers.class).withBean("greeter", ProcessManager.class, () -> greeter)
                .withBean(CommandCodec.class, () -> codec).run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(SagaRuntime.class).doesNotHaveBean(ProjectionEngine.class);
                    SagaRuntime sagas = context.getBean(SagaRuntime.class);
                    context.getBean(CommandBus.class).dispatch(new Greet("fay"));
                    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                    while (sagas.instance("greeter", "greeting-fay").isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);
                    assertThat(sagas.instance("greeter", "greeting-fay")).isPresent();
                });
    }

    @Test
    void the_applications_own_beans_win() {
        EventStore mine = EventStore.class.cast(dev.facta.store.EventStores.open("memory:"));
        runner.withBean(EventStore.class, () -> mine).withBean(EventBus.class, EventBus::new).run(context -> {
            assertThat(context.getBean(EventStore.class)).isSameAs(mine);
            assertThat(context).hasSingleBean(EventBus.class);
        });
    }

    @Test
    void with_a_meter_registry_commands_are_metered() {
        runner.withUserConfiguration(Handlers.class).withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(context -> {
            context.getBean(CommandBus.class).dispatch(new Greet("cy"));
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters.find(dev.facta.observability.MetricsMiddleware.COUNT).counters()).isNotEmpty();
        });
    }

    private static final String ADMIN = "jdbc:postgresql://127.0.0.1:5432/postgres";

    /** A fresh schema name on the local PostgreSQL; the test is skipped, saying why, when there is none. */
    private static String newSchemaName() {
        try (Connection c = DriverManager.getConnection(ADMIN, "postgres", "")) {
            c.isValid(1);
        } catch (Exception e) {
            System.out.println("PostgreSQL test skipped: no server at 127.0.0.1:5432 (" + e.getMessage() + ")");
            Assumptions.abort("no PostgreSQL at 127.0.0.1:5432");
        }
        return "facta_spring_" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The application's pool; the store leaves search_path alone, so the DataSource points it at the schema. */
    private static HikariDataSource dataSource(String schema) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(ADMIN + "?currentSchema=" + schema);
        ds.setUsername("postgres");
        ds.setMaximumPoolSize(4);
        return ds;
    }

    @Test
    void a_data_source_bean_carries_the_postgres_store_and_a_before_commit_bean_writes_in_the_append_transaction() throws Exception {
        String schema = newSchemaName();
        HikariDataSource ds = dataSource(schema);
        try (ds) {
            try (Connection c = ds.getConnection()) {
                c.createStatement().execute("CREATE SCHEMA " + schema);
                c.createStatement().execute("CREATE TABLE " + schema + ".greeting_audit (stream text NOT NULL)");
            }
            // the application's own row, written inside the append transaction
            BeforeCommit audit = (connection, events) -> {
                try (var insert = connection.prepareStatement("INSERT INTO greeting_audit (stream) VALUES (?)")) {
                    for (RecordedEvent e : events) {
                        insert.setString(1, e.stream().value());
                        insert.executeUpdate();
                    }
                }
            };
            runner.withBean(DataSource.class, () -> ds).withBean(BeforeCommit.class, () -> audit)
                    .withPropertyValues("facta.store.schema=" + schema)
                    .withUserConfiguration(Handlers.class).run(context -> {
                        assertThat(context).hasNotFailed();
                        PostgresEventStore store = (PostgresEventStore) context.getBean(EventStore.class);
                        assertThat(store.dataSource()).isSameAs(ds);
                        assertThat(store.schema()).isEqualTo(schema);
                        context.getBean(CommandBus.class).dispatch(new Greet("dee"));
                        assertThat(store.readStream(StreamId.of("greeting-dee"))).hasSize(1);
                        try (Connection c = ds.getConnection(); var rows = c.createStatement()
                                .executeQuery("SELECT stream FROM greeting_audit")) {
                            assertThat(rows.next()).isTrue();
                            assertThat(rows.getString(1)).isEqualTo("greeting-dee");
                            assertThat(rows.next()).isFalse();
                        }
                    });
        } finally {
            try (Connection c = DriverManager.getConnection(ADMIN, "postgres", "")) {
                c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void appends_inside_a_spring_transaction_commit_and_roll_back_with_it() throws Exception {
        String schema = newSchemaName();
        HikariDataSource ds = dataSource(schema);
        try (ds) {
            try (Connection c = ds.getConnection()) {
                c.createStatement().execute("CREATE SCHEMA " + schema);
                c.createStatement().execute("CREATE TABLE " + schema + ".visits (who text NOT NULL)");
            }
            var tx = new org.springframework.jdbc.support.JdbcTransactionManager(ds);
            var template = new org.springframework.transaction.support.TransactionTemplate(tx);
            var jdbc = new org.springframework.jdbc.core.JdbcTemplate(ds);
            runner.withBean(DataSource.class, () -> ds).withPropertyValues("facta.store.schema=" + schema)
                    .withUserConfiguration(Handlers.class).run(context -> {
                        assertThat(context).hasNotFailed();
                        EventStore store = context.getBean(EventStore.class);
                        CommandBus bus = context.getBean(CommandBus.class);
                        // the application's row and the command's events in one transaction, rolled back
                        assertThatThrownBy(() -> template.executeWithoutResult(status -> {
                            jdbc.update("INSERT INTO visits (who) VALUES ('ann')");
                            bus.dispatch(new Greet("ann"));
                            throw new IllegalStateException("the caller changes its mind");
                        })).hasMessageContaining("changes its mind");
                        assertThat(store.headPosition()).isZero();
                        assertThat(jdbc.queryForObject("SELECT count(*) FROM visits", Long.class)).isZero();
                        // and committed: both are there
                        template.executeWithoutResult(status -> {
                            jdbc.update("INSERT INTO visits (who) VALUES ('bob')");
                            bus.dispatch(new Greet("bob"));
                        });
                        assertThat(store.readStream(StreamId.of("greeting-bob"))).hasSize(1);
                        assertThat(store.headPosition()).isEqualTo(1);
                        assertThat(jdbc.queryForObject("SELECT count(*) FROM visits", Long.class)).isEqualTo(1);
                        // outside a transaction an append commits on its own, as before
                        bus.dispatch(new Greet("cy"));
                        assertThat(store.headPosition()).isEqualTo(2);
                    });
            // the context closed its DataSource bean: a new pool on the same database
            HikariDataSource ds2 = dataSource(schema);
            var template2 = new org.springframework.transaction.support.TransactionTemplate(
                    new org.springframework.jdbc.support.JdbcTransactionManager(ds2));
            runner.withBean(DataSource.class, () -> ds2).withPropertyValues("facta.store.schema=" + schema,
                    "facta.store.join-transactions=false").withUserConfiguration(Handlers.class).run(context -> {
                        EventStore store = context.getBean(EventStore.class);
                        assertThatThrownBy(() -> template2.executeWithoutResult(status -> {
                            context.getBean(CommandBus.class).dispatch(new Greet("dee"));
                            throw new IllegalStateException("rolled back");
                        })).hasMessageContaining("rolled back");
                        // not joined: the append committed on its own
                        assertThat(store.readStream(StreamId.of("greeting-dee"))).hasSize(1);
                    });
        } finally {
            try (Connection c = DriverManager.getConnection(ADMIN, "postgres", "")) {
                c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }
}
