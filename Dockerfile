# digitize on Debian 12, set up by the same script a new user runs.
#   docker run -p 8000:8000 -v digitize-data:/app/data IMAGE up --host 0.0.0.0
# runs the whole service (its own Redis, SQLite, a worker per core, the API); or run
# `serve` and `worker` containers against shared PostgreSQL, Redis and storage.
FROM debian:bookworm-slim
WORKDIR /app
COPY . .
RUN bash scripts/setup.sh && rm -rf /var/lib/apt/lists/* /root/.cache
ENV PATH=/app/.venv/bin:$PATH \
    DIGITIZE_DATA_DIR=/app/data
VOLUME /app/data
EXPOSE 8000
ENTRYPOINT ["digitize"]
CMD ["--help"]
