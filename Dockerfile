# digitize on Debian 12, set up by the same script a new user runs.
FROM debian:bookworm-slim
WORKDIR /app
COPY . .
RUN bash scripts/setup.sh && rm -rf /var/lib/apt/lists/* /root/.cache
ENV PATH=/app/.venv/bin:$PATH
ENTRYPOINT ["digitize"]
CMD ["--help"]
