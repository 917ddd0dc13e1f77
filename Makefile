# HTX Connect — `make demo` runs the whole platform on this machine; `make test` runs the suite.
# Everything is installed into .venv by the targets themselves; re-running them is safe.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: help install assets system-deps demo demo-data manage test test-fast bench conformance lock check-deploy clean \
        prod-up prod-down prod-status prod-restart drill-db drill-redis drill-backup drill-disk-full drill-worker load soak

help:
	@echo "make demo   — cài đặt, nạp dữ liệu mẫu và chạy máy chủ tại http://$(HOST):$(PORT)/"
	@echo "make test   — cài những gì bộ kiểm thử cần và chạy toàn bộ kiểm thử"
	@echo "make bench  — chạy các phép đo hiệu năng trong bench/"
	@echo "make manage ARGS=\"…\" — chạy một lệnh manage.py với bản chạy thử (vd. ARGS=\"create_admin\")"
	@echo "make prod-up / prod-down / prod-status — bộ máy chạy thật trên máy này (PostgreSQL, Redis, nginx, Granian, worker riêng)"
	@echo "make drill-db / drill-redis — diễn tập sự cố: dừng PostgreSQL 30 s / dừng Redis khi đang có tải"
	@echo "make drill-backup / drill-disk-full — sao lưu và khôi phục khi đang ghi / đĩa tệp tải lên đầy"
	@echo "make drill-worker — giết worker giữa chừng một việc (thu nhận EPCIS, in nhãn, báo cáo): chạy lại, chỉ một lần"
	@echo "make load / soak — đo tải bộ máy chạy thật (khoảng 2 phút) / chạy bền 10 phút, đo bộ nhớ (LOAD_ARGS=\"…\")"
	@echo "make conformance — chạy dài schemathesis với mô tả REST chính thức của GS1 EPCIS, gom lỗi theo loại"

# The virtual environment, rebuilt when the lock file changes.
$(VENV)/.installed: pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { scripts/apt_install.sh python3-venv && rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	@test -x $(UV) || $(PY) -m pip install -q --disable-pip-version-check uv
	$(UV) pip install --python $(PY) -q -r requirements.lock
	$(UV) pip install --python $(PY) -q --no-deps -e .
	@touch $@

install: $(VENV)/.installed

# Front-end assets come from the npm registry and are served by the project (no CDN).
assets: htxconnect/static/vendor/.installed

htxconnect/static/vendor/.installed: package.json package-lock.json scripts/copy_assets.sh
	scripts/copy_assets.sh
	@touch $@

# Debian packages the tests and tools need (chromium for browser tests, fonts, zbar, poppler).
system-deps:
	@scripts/install_system_deps.sh

demo: install assets
	DJANGO_ENV=demo $(PY) manage.py migrate --noinput -v 0
	DJANGO_ENV=demo $(PY) manage.py collectstatic --noinput -v 0
	DJANGO_ENV=demo $(PY) manage.py load_demo
	DJANGO_ENV=demo scripts/run_demo.sh

demo-data: install
	DJANGO_ENV=demo $(PY) manage.py migrate --noinput -v 0
	DJANGO_ENV=demo $(PY) manage.py load_demo

# Any manage.py command against the demo's database: make manage ARGS="issue_api_key admin"
manage: install
	DJANGO_ENV=demo $(PY) manage.py $(ARGS)

test: install assets system-deps
	scripts/run_tests.sh $(PYTEST_ARGS)

bench: install assets
	@scripts/install_bench_deps.sh
	DJANGO_ENV=test $(PY) bench/run.py $(BENCH_ARGS)

# The long schemathesis run over every operation of GS1's EPCIS binding (stateful links), failures grouped.
conformance: install
	EPCIS_SCHEMATHESIS=conformance DJANGO_ENV=test $(PY) -m pytest tests/trace/test_epcis_live.py \
	  -k schemathesis -p no:logging -s -q

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock: install
	$(UV) pip compile pyproject.toml --extra test -o requirements.lock -q

check-deploy: install
	DJANGO_ENV=production SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | base64 | tr -dc a-zA-Z0-9) \
	  ALLOWED_HOSTS=htx.example.vn REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(PY) manage.py check --deploy --fail-level WARNING

# The production stack on this machine (scripts/prodstack.py; docs/admin/deploy.md): its own
# PostgreSQL, Redis, nginx from deploy/, Granian and task workers on loopback ports; state in var/prod.
prod-up: install assets
	$(PY) scripts/prodstack.py up $(PROD_ARGS)

prod-down:
	@$(PYTHON) scripts/prodstack.py down

prod-status:
	@$(PYTHON) scripts/prodstack.py status

# After a code change: restart the stack's app servers and workers (PostgreSQL, Redis, nginx stay).
prod-restart: install assets
	$(PY) scripts/prodstack.py restart $(PROD_ARGS)

# Fault drills against the running production stack (make prod-up first); each restores what it breaks.
drill-db: install
	$(PY) bench/faults/db_stopped.py $(DRILL_ARGS)

drill-redis: install
	$(PY) bench/faults/redis_stopped.py $(DRILL_ARGS)

# DRILL_ARGS=--standalone: a throw-away database on 127.0.0.1:5432 instead of the production stack.
drill-backup: install
	$(PY) bench/faults/backup_restore.py $(DRILL_ARGS)

drill-disk-full: install
	$(PY) bench/faults/disk_full.py $(DRILL_ARGS)

# A task worker SIGKILLed mid-task (capture, label run, report): retried, effect exactly once.
drill-worker: install
	$(PY) bench/faults/worker_killed.py $(DRILL_ARGS)

# Load tests against the running production stack (make prod-up first): bench/load/run.py, wrk.
load: install
	@scripts/install_bench_deps.sh
	$(PY) bench/load/run.py $(LOAD_ARGS)

soak: install
	@scripts/install_bench_deps.sh
	$(PY) bench/load/run.py --minutes 10 $(LOAD_ARGS)

clean:
	rm -rf $(VENV) var htxconnect/static/vendor node_modules db.sqlite3*
