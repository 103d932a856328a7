#!/bin/sh
# Independent XGBoost reference for the scoring issue's AUC/Brier targets (see README.md).
# usage: run.sh [feature sets, default raw,eng] [grid: full | list:depth:eta*1000:mcw:lambda;...]
# Needs Java 17 and Maven reaching Maven Central; not part of the build or of CI.
set -e
here=$(cd "$(dirname "$0")" && pwd)
data=${DATA:-$here/../../../../../shared/datasets/uci-credit-default/train.csv}
cd "$here"
mvn -q dependency:build-classpath -Dmdep.outputFile=target/cp.txt
mvn -q compile
mkdir -p target/oof
exec nice -n 10 java -Ddump=target/oof/oof -cp "target/classes:$(cat target/cp.txt)" xgbcv.Main "$data" "${1:-raw,eng}" "${2:-full}"
