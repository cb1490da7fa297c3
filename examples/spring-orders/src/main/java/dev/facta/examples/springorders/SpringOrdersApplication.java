package dev.facta.examples.springorders;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** A Spring Boot order service on Facta: run it with {@code --facta.store.url=sqlite:orders.db}. */
@SpringBootApplication
public class SpringOrdersApplication {
    public static void main(String[] args) {
        SpringApplication.run(SpringOrdersApplication.class, args);
    }
}
