package service_test

import (
	"os"
	"testing"

	"lotse/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }
