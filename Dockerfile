FROM python:3.11-slim-bookworm

# WeasyPrint renders PDFs with Pango; gettext compiles translations.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SMT_VAR_DIR=/app/var
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .

# collectstatic only needs settings to load; this key is used for the build step alone.
RUN DJANGO_ENV=production EMAIL_URL=consolemail:// \
    SECRET_KEY=collectstatic-only-not-a-real-secret-key-0123456789abcdef \
    python manage.py collectstatic --noinput

RUN useradd --create-home smt && mkdir -p /app/var && chown -R smt /app/var
USER smt
EXPOSE 8000
CMD ["gunicorn", "smt.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
