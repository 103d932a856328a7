package xgbcv;

import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;

import java.io.*;
import java.nio.file.*;
import java.util.*;

/**
 * Stratified 5-fold CV of XGBoost binary:logistic on UCI credit default train.csv,
 * without protected attributes X2 (sex), X4 (marriage), X5 (age).
 * Feature sets: raw (X1,X3,X6..X23), raw+engineered, and (optional) raw without X3.
 * Inside each outer training fold: stratified 80/20 inner split; trees are grown on the 80%,
 * early stopping (logloss) on the 20%, and isotonic / Platt calibrators are fitted on the same 20%
 * (never on the outer test rows). Pooled out-of-fold AUC / Brier / log loss are reported.
 *
 * Usage: java -cp ... xgbcv.Main <train.csv> <featureSets comma list: raw,eng,rawnoedu> <grid: full|best:d,eta,mcw,lambda> [deadlineEpochSec]
 */
public class Main {
    static final long SEED = 20260202L;
    static final int K = 5;

    public static void main(String[] args) throws Exception {
        String path = args.length > 0 ? args[0] : "../../../../../shared/datasets/uci-credit-default/train.csv";
        String[] sets = (args.length > 1 ? args[1] : "raw,eng").split(",");
        String grid = args.length > 2 ? args[2] : "full";
        long deadline = args.length > 3 ? Long.parseLong(args[3]) : Long.MAX_VALUE;

        List<String> lines = Files.readAllLines(Paths.get(path));
        String[] header = lines.get(0).split(",");
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < header.length; i++) col.put(header[i].trim(), i);
        int n = lines.size() - 1;
        double[][] raw = new double[n][header.length];
        for (int r = 0; r < n; r++) {
            String[] p = lines.get(r + 1).split(",");
            for (int c = 0; c < header.length; c++) raw[r][c] = Double.parseDouble(p[c].trim());
        }
        int[] y = new int[n];
        int pos = 0;
        for (int r = 0; r < n; r++) { y[r] = (int) raw[r][col.get("Y")]; pos += y[r]; }
        double base = pos / (double) n;
        System.out.printf(Locale.ROOT, "rows=%d positives=%d rate=%.4f baseBrier=%.4f%n", n, pos, base, base * (1 - base));

        // outer stratified folds
        int[] fold = stratFolds(y, K, new Random(SEED));
        // inner stratified split (20% validation) per outer fold, fixed
        boolean[][] innerVal = new boolean[K][];
        for (int f = 0; f < K; f++) {
            Random rr = new Random(SEED + 1000 + f);
            innerVal[f] = new boolean[n];
            List<Integer> p0 = new ArrayList<>(), p1 = new ArrayList<>();
            for (int i = 0; i < n; i++) if (fold[i] != f) (y[i] == 1 ? p1 : p0).add(i);
            Collections.shuffle(p0, rr); Collections.shuffle(p1, rr);
            for (int j = 0; j < p0.size() / 5; j++) innerVal[f][p0.get(j)] = true;
            for (int j = 0; j < p1.size() / 5; j++) innerVal[f][p1.get(j)] = true;
        }

        List<int[]> cfgs = new ArrayList<>(); // depth, eta*1000, mcw, lambda
        if (grid.equals("full")) {
            int[] depths = {4, 5, 3, 6};
            int[] etas = {50, 100, 30};
            int[] mcws = {5, 1, 20};
            int[] lams = {5, 1, 20};
            // priority order: central values first so that partial runs are informative
            for (int e : etas) for (int d : depths) for (int m : mcws) for (int l : lams) cfgs.add(new int[]{d, e, m, l});
        } else if (grid.startsWith("list:")) {
            for (String s : grid.substring(5).split(";")) {
                String[] q = s.split(":");
                cfgs.add(new int[]{Integer.parseInt(q[0]), Integer.parseInt(q[1]), Integer.parseInt(q[2]), Integer.parseInt(q[3])});
            }
        }

        Map<String, String[]> setNames = new LinkedHashMap<>();
        Map<String, float[][]> setData = new LinkedHashMap<>();
        for (String s : sets) {
            List<String> names = new ArrayList<>();
            float[][] X = build(s, raw, col, names);
            setNames.put(s, names.toArray(new String[0]));
            setData.put(s, X);
            System.out.println("featureSet " + s + " (" + names.size() + "): " + String.join(",", names));
        }
        System.out.flush();

        Map<String, double[]> best = new HashMap<>();
        Map<String, String> bestCfg = new HashMap<>();
        for (int[] c : cfgs) {
            for (String s : sets) {
                if (System.currentTimeMillis() / 1000 > deadline) { System.out.println("DEADLINE reached"); summary(best, bestCfg); return; }
                long t0 = System.currentTimeMillis();
                double[] res = runCV(setData.get(s), y, fold, innerVal, c);
                String cs = String.format(Locale.ROOT, "depth=%d eta=%.3f mcw=%d lambda=%d", c[0], c[1] / 1000.0, c[2], c[3]);
                System.out.printf(Locale.ROOT,
                        "RESULT set=%s %s | AUC=%.4f Brier=%.4f LogLoss=%.4f | isoBrier=%.4f isoLL=%.4f isoAUC=%.4f | plattBrier=%.4f | meanFoldAUC=%.4f avgTrees=%.0f | oracleIsoBrier(in-sample PAV on OOF, lower bound for this ranking)=%.4f | %.0fs%n",
                        s, cs, res[0], res[1], res[2], res[3], res[4], res[5], res[6], res[7], res[8], res[9], (System.currentTimeMillis() - t0) / 1000.0);
                System.out.flush();
                if (!best.containsKey(s) || res[0] > best.get(s)[0]) { best.put(s, res); bestCfg.put(s, cs); }
            }
        }
        summary(best, bestCfg);
    }

    static void summary(Map<String, double[]> best, Map<String, String> bestCfg) {
        for (String s : best.keySet()) {
            double[] r = best.get(s);
            System.out.printf(Locale.ROOT, "BEST(by AUC) set=%s %s | AUC=%.4f Brier=%.4f LogLoss=%.4f isoBrier=%.4f plattBrier=%.4f%n",
                    s, bestCfg.get(s), r[0], r[1], r[2], r[3], r[6]);
        }
        System.out.flush();
    }

    static int[] stratFolds(int[] y, int k, Random rnd) {
        int n = y.length;
        int[] f = new int[n];
        for (int cls = 0; cls <= 1; cls++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < n; i++) if (y[i] == cls) idx.add(i);
            Collections.shuffle(idx, rnd);
            for (int j = 0; j < idx.size(); j++) f[idx.get(j)] = j % k;
        }
        return f;
    }

    /** returns {AUC, Brier, LL, isoBrier, isoLL, isoAUC, plattBrier, ?, meanFoldAUC, avgTrees} (indices adjusted below) */
    static double[] runCV(float[][] X, int[] y, int[] fold, boolean[][] innerVal, int[] c) throws Exception {
        int n = y.length;
        double[] oof = new double[n], oofIso = new double[n], oofPlatt = new double[n];
        double sumFoldAuc = 0, sumTrees = 0;
        for (int f = 0; f < K; f++) {
            List<Integer> tr = new ArrayList<>(), va = new ArrayList<>(), te = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (fold[i] == f) te.add(i); else if (innerVal[f][i]) va.add(i); else tr.add(i);
            }
            DMatrix dtr = dm(X, y, tr), dva = dm(X, y, va), dte = dm(X, y, te);
            Map<String, Object> p = new HashMap<>();
            p.put("objective", "binary:logistic");
            p.put("eval_metric", "logloss");
            p.put("tree_method", "hist");
            p.put("nthread", 1);
            p.put("max_depth", c[0]);
            p.put("eta", c[1] / 1000.0);
            p.put("min_child_weight", c[2]);
            p.put("lambda", c[3]);
            p.put("subsample", 0.8);
            p.put("colsample_bytree", 0.8);
            p.put("seed", 7 + f);
            p.put("verbosity", 0);
            Map<String, DMatrix> watches = new LinkedHashMap<>();
            watches.put("val", dva);
            float[][] metrics = new float[1][3000];
            Booster b = XGBoost.train(dtr, p, 3000, watches, metrics, null, null, 50);
            String bi = b.getAttr("best_iteration");
            int bestIt = bi != null ? Integer.parseInt(bi) : b.getNumBoostedRound() - 1;
            int limit = bestIt + 1;
            sumTrees += limit;
            float[][] pv = b.predict(dva, false, limit);
            float[][] pt = b.predict(dte, false, limit);
            double[] vpred = new double[va.size()]; int[] vy = new int[va.size()];
            for (int j = 0; j < va.size(); j++) { vpred[j] = pv[j][0]; vy[j] = y[va.get(j)]; }
            Iso iso = Iso.fit(vpred, vy);
            double[] platt = plattFit(vpred, vy);
            double[] tp = new double[te.size()]; int[] ty = new int[te.size()];
            for (int j = 0; j < te.size(); j++) {
                int i = te.get(j);
                oof[i] = pt[j][0];
                oofIso[i] = iso.apply(oof[i]);
                double z = logit(oof[i]);
                oofPlatt[i] = 1 / (1 + Math.exp(-(platt[0] * z + platt[1])));
                tp[j] = oof[i]; ty[j] = y[i];
            }
            sumFoldAuc += auc(tp, ty);
            dtr.dispose(); dva.dispose(); dte.dispose(); b.dispose();
        }
        if (dumpPath != null) {
            try (PrintWriter w = new PrintWriter(new FileWriter(dumpPath + "_d" + c[0] + "_e" + c[1] + "_m" + c[2] + "_l" + c[3] + "_" + X[0].length + "f.csv"))) {
                w.println("row,fold,y,oof,oofIso,oofPlatt");
                for (int i = 0; i < n; i++) w.println(i + "," + fold[i] + "," + y[i] + "," + oof[i] + "," + oofIso[i] + "," + oofPlatt[i]);
            }
        }
        return new double[]{auc(oof, y), brier(oof, y), logloss(oof, y), brier(oofIso, y), logloss(oofIso, y), auc(oofIso, y),
                brier(oofPlatt, y), sumFoldAuc / K, sumTrees / K, oracleIsoBrier(oof, y)};
    }

    /** Brier of the best monotone (isotonic) map of the pooled OOF scores, fitted on those same rows: a lower bound on the Brier reachable by any recalibration of this ranking (same AUC). */
    static double oracleIsoBrier(double[] p, int[] y) {
        Iso iso = Iso.fit(p, y);
        double s = 0;
        for (int i = 0; i < p.length; i++) { double q = iso.apply(p[i]); s += (q - y[i]) * (q - y[i]); }
        return s / p.length;
    }

    static String dumpPath = System.getProperty("dump");

    static DMatrix dm(float[][] X, int[] y, List<Integer> rows) throws Exception {
        int m = rows.size(), d = X[0].length;
        float[] flat = new float[m * d];
        float[] lab = new float[m];
        for (int j = 0; j < m; j++) {
            System.arraycopy(X[rows.get(j)], 0, flat, j * d, d);
            lab[j] = y[rows.get(j)];
        }
        DMatrix dmx = new DMatrix(flat, m, d, Float.NaN);
        dmx.setLabel(lab);
        return dmx;
    }

    static double logit(double p) { p = Math.min(Math.max(p, 1e-7), 1 - 1e-7); return Math.log(p / (1 - p)); }

    static double[] plattFit(double[] p, int[] y) {
        // logistic regression of y on logit(p): a*z+b, Newton iterations
        double a = 1, b = 0;
        int m = p.length;
        double[] z = new double[m];
        for (int i = 0; i < m; i++) z[i] = logit(p[i]);
        for (int it = 0; it < 50; it++) {
            double ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
            for (int i = 0; i < m; i++) {
                double q = 1 / (1 + Math.exp(-(a * z[i] + b)));
                double r = q - y[i], w = q * (1 - q);
                ga += r * z[i]; gb += r; haa += w * z[i] * z[i]; hab += w * z[i]; hbb += w;
            }
            double det = haa * hbb - hab * hab;
            if (Math.abs(det) < 1e-12) break;
            double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
            a -= da; b -= db;
            if (Math.abs(da) + Math.abs(db) < 1e-9) break;
        }
        return new double[]{a, b};
    }

    /** isotonic regression via pool-adjacent-violators; prediction by step interpolation, clipped to [1e-4, 1-1e-4] for log loss */
    static class Iso {
        // blocks: [lo[j], hi[j]] x-range with constant value v[j]; linear interpolation in gaps between blocks (as sklearn)
        double[] lo, hi, v;
        static Iso fit(double[] p, int[] y) {
            int m = p.length;
            Integer[] o = new Integer[m];
            for (int i = 0; i < m; i++) o[i] = i;
            Arrays.sort(o, Comparator.comparingDouble(i -> p[i]));
            double[] bl = new double[m], bh = new double[m], by = new double[m], bw = new double[m];
            int nb = 0;
            int k = 0;
            while (k < m) {
                // pool tied x values first
                int k2 = k; double s = 0;
                while (k2 < m && p[o[k2]] == p[o[k]]) { s += y[o[k2]]; k2++; }
                bl[nb] = p[o[k]]; bh[nb] = p[o[k]]; by[nb] = s / (k2 - k); bw[nb] = k2 - k; nb++;
                k = k2;
                while (nb > 1 && by[nb - 2] >= by[nb - 1]) {
                    double w = bw[nb - 2] + bw[nb - 1];
                    by[nb - 2] = (by[nb - 2] * bw[nb - 2] + by[nb - 1] * bw[nb - 1]) / w;
                    bw[nb - 2] = w; bh[nb - 2] = bh[nb - 1];
                    nb--;
                }
            }
            Iso r = new Iso();
            r.lo = Arrays.copyOf(bl, nb); r.hi = Arrays.copyOf(bh, nb); r.v = Arrays.copyOf(by, nb);
            return r;
        }
        double apply(double x) {
            int nb = v.length;
            double out;
            if (x <= hi[0]) out = v[0];
            else if (x >= lo[nb - 1]) out = v[nb - 1];
            else {
                // find first block with hi >= x
                int a = 0, b = nb - 1;
                while (a < b) { int mid = (a + b) >>> 1; if (hi[mid] >= x) b = mid; else a = mid + 1; }
                if (x >= lo[a]) out = v[a];
                else { double x0 = hi[a - 1], x1 = lo[a]; out = v[a - 1] + (v[a] - v[a - 1]) * (x - x0) / (x1 - x0); }
            }
            return Math.min(Math.max(out, 1e-4), 1 - 1e-4);
        }
    }

    static double auc(double[] p, int[] y) {
        int m = p.length;
        Integer[] o = new Integer[m];
        for (int i = 0; i < m; i++) o[i] = i;
        Arrays.sort(o, Comparator.comparingDouble(i -> p[i]));
        double rankSumPos = 0; long np = 0;
        int i = 0;
        while (i < m) {
            int j = i;
            while (j + 1 < m && p[o[j + 1]] == p[o[i]]) j++;
            double avgRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) if (y[o[k]] == 1) { rankSumPos += avgRank; np++; }
            i = j + 1;
        }
        long nn = m - np;
        return (rankSumPos - np * (np + 1) / 2.0) / (np * (double) nn);
    }

    static double brier(double[] p, int[] y) { double s = 0; for (int i = 0; i < p.length; i++) s += (p[i] - y[i]) * (p[i] - y[i]); return s / p.length; }

    static double logloss(double[] p, int[] y) {
        double s = 0;
        for (int i = 0; i < p.length; i++) { double q = Math.min(Math.max(p[i], 1e-15), 1 - 1e-15); s -= y[i] == 1 ? Math.log(q) : Math.log(1 - q); }
        return s / p.length;
    }

    static float nan() { return Float.NaN; }

    static float div(double a, double b) { return b > 0 ? (float) (a / b) : Float.NaN; }

    /** raw: X1,X3,X6..X23 (no X2 sex, X4 marriage, X5 age). eng: raw + engineered. rawnoedu: raw without X3. */
    static float[][] build(String set, double[][] raw, Map<String, Integer> col, List<String> names) {
        int n = raw.length;
        List<float[]> cols = new ArrayList<>();
        List<String> rawNames = new ArrayList<>();
        rawNames.add("X1");
        if (!set.equals("rawnoedu") && !set.equals("engnoedu")) rawNames.add("X3");
        for (int k = 6; k <= 23; k++) rawNames.add("X" + k);
        for (String nm : rawNames) {
            float[] v = new float[n];
            int ci = col.get(nm);
            for (int r = 0; r < n; r++) v[r] = (float) raw[r][ci];
            cols.add(v); names.add(nm);
        }
        if (set.startsWith("eng")) {
            // index helpers: PAY status k=0..5 (Sep..Apr) -> X6..X11; BILL k -> X12..X17; PAYAMT k -> X18..X23
            int L = col.get("X1");
            Map<String, float[]> e = new LinkedHashMap<>();
            for (int k = 0; k < 5; k++) e.put("payRatio" + k, new float[n]);       // PAY_AMT(k) / BILL(k+1)
            for (int k = 0; k < 6; k++) e.put("util" + k, new float[n]);           // BILL(k) / LIMIT
            for (int k = 0; k < 5; k++) e.put("unpaidUtil" + k, new float[n]);     // (BILL(k+1)-PAY_AMT(k))/LIMIT
            String[] agg = {"payRatioAgg", "payRatioMean", "payRatioMin", "payRatio0to2Agg", "utilMean", "utilMax", "utilTrend",
                    "availCredit0", "nDelayed", "nDelayed3", "maxDelay", "delaySum", "payTrend", "payRecentMinusOld", "nNoConsumption",
                    "nPaidFull", "nRevolving", "billGrowth", "billGrowthRel", "bill0over1", "payAmtSumOverLimit", "nZeroPay",
                    "nZeroPayPosBill", "payAmtTrend", "lastPayOverLastBill", "payAmt0overMeanPayAmt", "billStd", "curDelayed"};
            for (String a : agg) e.put(a, new float[n]);
            for (int r = 0; r < n; r++) {
                double lim = raw[r][L];
                double[] st = new double[6], bill = new double[6], pa = new double[6];
                for (int k = 0; k < 6; k++) {
                    st[k] = raw[r][col.get("X" + (6 + k))];
                    bill[k] = raw[r][col.get("X" + (12 + k))];
                    pa[k] = raw[r][col.get("X" + (18 + k))];
                }
                double sumPR = 0; int cntPR = 0; double minPR = Double.NaN;
                double sp = 0, sb = 0;
                for (int k = 0; k < 5; k++) {
                    float pr = div(pa[k], bill[k + 1]);
                    if (!Float.isNaN(pr)) pr = Math.min(pr, 10f);
                    e.get("payRatio" + k)[r] = pr;
                    if (!Float.isNaN(pr)) { sumPR += pr; cntPR++; minPR = Double.isNaN(minPR) ? pr : Math.min(minPR, pr); }
                    if (bill[k + 1] > 0) { sp += pa[k]; sb += bill[k + 1]; }
                    e.get("unpaidUtil" + k)[r] = div(bill[k + 1] - pa[k], lim);
                }
                e.get("payRatioAgg")[r] = sb > 0 ? (float) Math.min(sp / sb, 10) : Float.NaN;
                e.get("payRatioMean")[r] = cntPR > 0 ? (float) (sumPR / cntPR) : Float.NaN;
                e.get("payRatioMin")[r] = (float) minPR;
                double sp3 = 0, sb3 = 0;
                for (int k = 0; k < 3; k++) if (bill[k + 1] > 0) { sp3 += pa[k]; sb3 += bill[k + 1]; }
                e.get("payRatio0to2Agg")[r] = sb3 > 0 ? (float) Math.min(sp3 / sb3, 10) : Float.NaN;
                double su = 0, mu = -1e9;
                for (int k = 0; k < 6; k++) { double u = bill[k] / lim; e.get("util" + k)[r] = (float) u; su += u; mu = Math.max(mu, u); }
                e.get("utilMean")[r] = (float) (su / 6);
                e.get("utilMax")[r] = (float) mu;
                e.get("utilTrend")[r] = (float) slopeRecent(bill, lim);
                e.get("availCredit0")[r] = (float) ((lim - bill[0]) / lim);
                int nd = 0, nd3 = 0, nnc = 0, npf = 0, nrv = 0, nzp = 0, nzpb = 0; double md = -9, ds = 0;
                for (int k = 0; k < 6; k++) {
                    if (st[k] > 0) { nd++; ds += st[k]; }
                    if (k < 3 && st[k] > 0) nd3++;
                    md = Math.max(md, st[k]);
                    if (st[k] == -2) nnc++;
                    if (st[k] == -1) npf++;
                    if (st[k] == 0) nrv++;
                    if (pa[k] == 0) nzp++;
                    if (k < 5 && pa[k] == 0 && bill[k + 1] > 0) nzpb++;
                }
                e.get("nDelayed")[r] = nd; e.get("nDelayed3")[r] = nd3; e.get("maxDelay")[r] = (float) md; e.get("delaySum")[r] = (float) ds;
                e.get("payTrend")[r] = (float) slopeRecent(st, 1);
                e.get("payRecentMinusOld")[r] = (float) ((st[0] + st[1] + st[2]) / 3 - (st[3] + st[4] + st[5]) / 3);
                e.get("nNoConsumption")[r] = nnc; e.get("nPaidFull")[r] = npf; e.get("nRevolving")[r] = nrv;
                e.get("billGrowth")[r] = (float) ((bill[0] - bill[5]) / lim);
                e.get("billGrowthRel")[r] = div(bill[0] - bill[5], Math.abs(bill[5]) + 1000);
                e.get("bill0over1")[r] = div(bill[0], Math.abs(bill[1]) + 1000);
                double spa = 0; for (int k = 0; k < 6; k++) spa += pa[k];
                e.get("payAmtSumOverLimit")[r] = (float) (spa / lim);
                e.get("nZeroPay")[r] = nzp; e.get("nZeroPayPosBill")[r] = nzpb;
                e.get("payAmtTrend")[r] = (float) slopeRecent(pa, lim);
                e.get("lastPayOverLastBill")[r] = div(pa[0], bill[0]) ;
                e.get("payAmt0overMeanPayAmt")[r] = div(pa[0], spa / 6);
                double mb = 0; for (int k = 0; k < 6; k++) mb += bill[k] / lim; mb /= 6;
                double vb = 0; for (int k = 0; k < 6; k++) vb += Math.pow(bill[k] / lim - mb, 2);
                e.get("billStd")[r] = (float) Math.sqrt(vb / 6);
                e.get("curDelayed")[r] = st[0] > 0 ? 1 : 0;
            }
            for (Map.Entry<String, float[]> en : e.entrySet()) { cols.add(en.getValue()); names.add(en.getKey()); }
        }
        float[][] X = new float[n][cols.size()];
        for (int j = 0; j < cols.size(); j++) { float[] v = cols.get(j); for (int r = 0; r < n; r++) X[r][j] = v[r]; }
        return X;
    }

    /** least-squares slope of v/scale over time, oriented so that positive = rising towards the most recent month (index 0) */
    static double slopeRecent(double[] v, double scale) {
        int m = v.length; double mt = (m - 1) / 2.0, mv = 0;
        for (int k = 0; k < m; k++) mv += v[k] / scale;
        mv /= m;
        double num = 0, den = 0;
        for (int k = 0; k < m; k++) { double t = (m - 1 - k) - mt; num += t * (v[k] / scale - mv); den += t * t; }
        return num / den;
    }
}
