package main

import "go.uber.org/zap/zapcore"

// zapLevelErrors keeps the tour's output to what it prints itself plus
// errors logged by the libraries underneath.
const zapLevelErrors = zapcore.ErrorLevel
