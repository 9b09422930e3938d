# One image for every system: `scs web <system>` or `scs worker <system>` picks the part to run.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SCS_DATA_DIR=/var/lib/scs

WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared_contracts ./shared_contracts
COPY federation ./federation
COPY systems ./systems
RUN pip install . \
 && useradd --system --uid 10001 --home-dir /var/lib/scs --create-home scs \
 && mkdir -p /var/lib/scs/keys /var/lib/scs/keys-public /var/lib/scs/catalog-files \
 && chown -R scs:scs /var/lib/scs

USER scs
WORKDIR /var/lib/scs
EXPOSE 5001 5002 5003
CMD ["scs", "--help"]
