import java.nio.file.*; import java.util.*;
// Averages the dumped out-of-fold predictions of all dumped configs of one feature set (by file suffix) and reports
// AUC / Brier / log loss of the average, plus the in-sample PAV (isotonic) Brier of the averaged ranking.
public class Ens {
  public static void main(String[] a) throws Exception {
    String suffix = a[0]; List<double[]> preds = new ArrayList<>(); int[] y = null;
    try (var ds = Files.newDirectoryStream(Paths.get(a.length > 1 ? a[1] : "target/oof"), "*" + suffix)) { for (Path p : ds) {
      List<String> L = Files.readAllLines(p); int n = L.size() - 1; double[] q = new double[n]; if (y == null) y = new int[n];
      for (int i = 0; i < n; i++) { String[] s = L.get(i + 1).split(","); y[i] = Integer.parseInt(s[2]); q[i] = Double.parseDouble(s[3]); }
      preds.add(q); } }
    int n = y.length; double[] m = new double[n];
    for (double[] q : preds) for (int i = 0; i < n; i++) m[i] += q[i] / preds.size();
    System.out.printf(Locale.ROOT, "%s: %d configs averaged: AUC=%.4f Brier=%.4f LogLoss=%.4f oraclePAVBrier=%.4f%n", suffix, preds.size(),
      auc(m, y), brier(m, y), ll(m, y), pav(m, y));
  }
  static double brier(double[] p,int[] y){double s=0;for(int i=0;i<p.length;i++)s+=(p[i]-y[i])*(p[i]-y[i]);return s/p.length;}
  static double ll(double[] p,int[] y){double s=0;for(int i=0;i<p.length;i++){double q=Math.min(Math.max(p[i],1e-15),1-1e-15);s-=y[i]==1?Math.log(q):Math.log(1-q);}return s/p.length;}
  static Integer[] order(double[] p){Integer[] o=new Integer[p.length];for(int i=0;i<o.length;i++)o[i]=i;Arrays.sort(o,Comparator.comparingDouble(i->p[i]));return o;}
  static double auc(double[] p,int[] y){Integer[] o=order(p);double rs=0;long np=0;int i=0,m=p.length;while(i<m){int j=i;while(j+1<m&&p[o[j+1]]==p[o[i]])j++;double r=(i+j)/2.0+1;for(int k=i;k<=j;k++)if(y[o[k]]==1){rs+=r;np++;}i=j+1;}return (rs-np*(np+1)/2.0)/(np*(double)(m-np));}
  static double pav(double[] p,int[] y){Integer[] o=order(p);int m=p.length;double[] by=new double[m],bw=new double[m];int nb=0,k=0;
    while(k<m){int k2=k;double s=0;while(k2<m&&p[o[k2]]==p[o[k]]){s+=y[o[k2]];k2++;}by[nb]=s/(k2-k);bw[nb]=k2-k;nb++;k=k2;
      while(nb>1&&by[nb-2]>=by[nb-1]){double w=bw[nb-2]+bw[nb-1];by[nb-2]=(by[nb-2]*bw[nb-2]+by[nb-1]*bw[nb-1])/w;bw[nb-2]=w;nb--;}}
    double b=0;for(int j=0;j<nb;j++)b+=bw[j]*by[j]*(1-by[j]);return b/m;}
}
