package org.jgrad.spark;

import java.lang.reflect.Method;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/** DataFrame rows to {@link Sample}s: the columns' types checked once, on the driver. */
final class Rows {
    private Rows() {}

    enum Label { CLASS, SCALAR, VECTOR }

    static JavaRDD<Sample> toSamples(Dataset<Row> rows, String featuresCol, String labelCol) {
        StructType schema = rows.schema();
        List<String> names = java.util.Arrays.asList(schema.fieldNames());
        for (String c : new String[] {featuresCol, labelCol}) {
            if (!names.contains(c)) {
                throw new IllegalArgumentException("SparkTrainer.fit: the DataFrame has no column \"" + c + "\"; its columns are " + schema.simpleString()
                        + " (set featuresCol/labelCol)");
            }
        }
        DataType ft = schema.apply(featuresCol).dataType();
        boolean vector = ft instanceof UserDefinedType && ft.typeName().equals("vector");
        if (!vector && !(ft instanceof ArrayType && ((ArrayType) ft).elementType() instanceof NumericType)) {
            throw new IllegalArgumentException("SparkTrainer.fit: features column \"" + featuresCol + "\" is " + ft.simpleString()
                    + "; it must be an array of numbers or an ML vector");
        }
        DataType lt = schema.apply(labelCol).dataType();
        Label label;
        if (lt.equals(DataTypes.IntegerType) || lt.equals(DataTypes.LongType) || lt.equals(DataTypes.ShortType) || lt.equals(DataTypes.ByteType)) {
            label = Label.CLASS;
        } else if (lt instanceof NumericType) {
            label = Label.SCALAR;
        } else if (lt instanceof ArrayType && ((ArrayType) lt).elementType() instanceof NumericType) {
            label = Label.VECTOR;
        } else {
            throw new IllegalArgumentException("SparkTrainer.fit: label column \"" + labelCol + "\" is " + lt.simpleString()
                    + "; it must be an integer class, a number, or an array of numbers");
        }
        return rows.select(featuresCol, labelCol).javaRDD().map(new ToSample(vector, label));
    }

    /** One row (features, label) to a sample. */
    static final class ToSample implements Function<Row, Sample> {
        private static final long serialVersionUID = 1L;
        private final boolean vector;
        private final Label label;

        ToSample(boolean vector, Label label) {
            this.vector = vector;
            this.label = label;
        }

        @Override
        public Sample call(Row r) throws Exception {
            if (r.isNullAt(0) || r.isNullAt(1)) throw new IllegalArgumentException("SparkTrainer.fit: a row has a null feature or label: " + r);
            float[] x = vector ? floats(vectorValues(r.get(0))) : floats(r.getList(0));
            switch (label) {
                case CLASS: return Sample.of(x, ((Number) r.get(1)).longValue());
                case SCALAR: return Sample.of(x, new float[] {((Number) r.get(1)).floatValue()});
                default: return Sample.of(x, floats(r.getList(1)));
            }
        }

        private static double[] vectorValues(Object v) throws Exception {
            Method toArray = v.getClass().getMethod("toArray");
            return (double[]) toArray.invoke(v);
        }

        private static float[] floats(double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            return f;
        }

        private static float[] floats(List<Object> l) {
            float[] f = new float[l.size()];
            for (int i = 0; i < f.length; i++) {
                Object o = l.get(i);
                if (o == null) throw new IllegalArgumentException("SparkTrainer.fit: an array holds a null at index " + i);
                f[i] = ((Number) o).floatValue();
            }
            return f;
        }
    }
}
