package dev.facta.runtime;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** Builds plugin jars at test time from the sources under {@code src/test/resources/plugin-src}. */
public final class TestJars {
    private TestJars() {
    }

    /** Compiles the plugin sources against the runtime's classes and writes {@code target/<name>.jar}. */
    public static Path leakyPluginJar(String name) throws IOException, URISyntaxException {
        Path src = Path.of("src/test/resources/plugin-src");
        Path classes = Files.createDirectories(Path.of("target", name + "-classes"));
        List<String> sources;
        try (Stream<Path> s = Files.walk(src)) {
            sources = s.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        String classpath = location(Plugin.class) + java.io.File.pathSeparator + location(dev.facta.eventbus.EventBus.class);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", classpath, "--release", "21", "-nowarn"));
        args.addAll(sources);
        int rc = javac.run(null, null, null, args.toArray(String[]::new));
        if (rc != 0) throw new IllegalStateException("the test plugin did not compile");
        Path jar = Path.of("target", name + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar)); Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
            out.putNextEntry(new JarEntry("META-INF/services/dev.facta.runtime.Plugin"));
            Files.copy(src.resolve("dev.facta.runtime.Plugin"), (OutputStream) out);
            out.closeEntry();
        }
        return jar;
    }

    private static String location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
