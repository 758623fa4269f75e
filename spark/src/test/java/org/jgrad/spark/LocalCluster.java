package org.jgrad.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A Spark cluster with real executor JVMs on this machine ({@code local-cluster[2,1,1024]}: two
 * executors of one core each), built from the test class path alone: Spark's home only needs an
 * empty jars folder (the pom sets SPARK_HOME, SPARK_SCALA_VERSION and SPARK_LOCAL_IP).
 */
final class LocalCluster {
    private LocalCluster() {}

    static JavaSparkContext start(int executors) {
        String home = System.getenv("SPARK_HOME");
        if (home == null) throw new IllegalStateException("SPARK_HOME is not set: run the tests through Maven (the pom sets it)");
        try {
            Files.createDirectories(Path.of(home, "jars"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        SparkConf conf = new SparkConf()
                .setMaster("local-cluster[" + executors + ",1,1024]")
                .setAppName("jgrad-spark-tests")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.executor.extraClassPath", cp)
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                // a failed training stage is retried once (the resume test needs one retry, no more)
                .set("spark.stage.maxConsecutiveAttempts", "2");
        return new JavaSparkContext(conf);
    }
}
