package dev.facta.codegen;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.fail;

/** Compiles generated sources with the JDK's compiler against the test class path (facta-core, facta-jackson). */
final class JavaSources {

    private JavaSources() {
    }

    /** Compiles every .java file below the folders into {@code classes} and returns a loader for them. */
    static URLClassLoader compile(Path classes, Path... sourceRoots) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        List<Path> files;
        try (Stream<Path> s = Stream.of(sourceRoots).filter(Files::isDirectory).flatMap(JavaSources::walk)) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        Files.createDirectories(classes);
        try (StandardJavaFileManager fm = compiler.getStandardFileManager(diagnostics, null, null)) {
            boolean ok = compiler.getTask(null, fm, diagnostics,
                    List.of("--release", "21", "-Xlint:all,-processing", "-Werror", "-d", classes.toString(),
                            "-classpath", System.getProperty("java.class.path")),
                    null, fm.getJavaFileObjectsFromPaths(files)).call();
            if (!ok) {
                fail("generated code does not compile:\n" + diagnostics.getDiagnostics().stream()
                        .filter(d -> d.getKind() == Diagnostic.Kind.ERROR || d.getKind() == Diagnostic.Kind.WARNING
                                || d.getKind() == Diagnostic.Kind.MANDATORY_WARNING)
                        .map(Object::toString).collect(Collectors.joining("\n")));
            }
        }
        return new URLClassLoader(new URL[]{classes.toUri().toURL()}, JavaSources.class.getClassLoader());
    }

    private static Stream<Path> walk(Path root) {
        try {
            return Files.walk(root);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
